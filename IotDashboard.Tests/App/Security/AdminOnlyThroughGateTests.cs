using System.Reflection;
using System.Reflection.Emit;
using IotDashboard.App.Security;
using IotDashboard.Core.Settings;
using IotDashboard.Core.Simulation;

namespace IotDashboard.Tests.App.Security;

/// <summary>
/// The UI reaches the mutating methods of <see cref="DeviceManager"/>, <see cref="AppSettingsStore"/> and the MQTT
/// service only through <see cref="AdminActions"/> / <see cref="MqttAdminActions"/> (which check the role): the App assembly's IL is read, and any other call site fails
/// the test — so a new page or panel cannot skip the gate by accident.
/// </summary>
public sealed class AdminOnlyThroughGateTests
{
    private static readonly Dictionary<short, OpCode> _opCodes = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    [Fact]
    public void OnlyAdminActions_CallsTheMutatingMethods()
    {
        var guarded = new HashSet<MethodBase>(
        [
            .. typeof(DeviceManager).GetMethods().Where(m => m.Name is "CreateAsync" or "StartAsync" or "StopAsync" or "DeleteAsync" or "ConfigureAsync" or "CreateSiteAsync" or "UpdateSiteAsync"),
            .. typeof(AppSettingsStore).GetMethods().Where(m => m.Name is "SaveAsync" or "SetAsync"),
            .. typeof(IotDashboard.Core.Mqtt.MqttService).GetMethods().Where(m => m.Name is "SaveSettingsAsync" or "TestConnectionAsync"),
        ]);
        Assert.Equal(11, guarded.Count);

        var offenders = new List<string>();
        var assembly = typeof(AdminActions).Assembly;
        foreach (var type in assembly.GetTypes())
        {
            var outer = type;
            while (outer.DeclaringType is not null)
            {
                outer = outer.DeclaringType; // async state machines and lambdas belong to their declaring class
            }

            if (outer == typeof(AdminActions) || outer == typeof(MqttAdminActions))
            {
                continue;
            }

            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                         .Cast<MethodBase>().Concat(type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)))
            {
                foreach (var called in Calls(method))
                {
                    if (guarded.Contains(called))
                    {
                        offenders.Add($"{type.FullName}.{method.Name} calls {called.DeclaringType!.Name}.{called.Name}");
                    }
                }
            }
        }

        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
        var adminActionCalls = typeof(AdminActions).GetNestedTypes(BindingFlags.NonPublic)
            .SelectMany(t => t.GetMethods(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            .SelectMany(Calls).ToList();
        Assert.Contains(adminActionCalls, guarded.Contains); // the scan does see the calls where they belong
    }

    private static IEnumerable<MethodBase> Calls(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        for (var i = 0; i < il.Length;)
        {
            short value = il[i++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[i++]);
            }

            var opCode = _opCodes[value];
            var operandSize = opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, i)),
                _ => 4,
            };
            if (opCode.OperandType == OperandType.InlineMethod)
            {
                MethodBase? called = null;
                try
                {
                    called = method.Module.ResolveMethod(BitConverter.ToInt32(il, i), method.DeclaringType?.GetGenericArguments(), method.IsGenericMethod ? method.GetGenericArguments() : null);
                }
                catch (ArgumentException)
                {
                }

                if (called is not null)
                {
                    yield return called;
                }
            }

            i += operandSize;
        }
    }
}
