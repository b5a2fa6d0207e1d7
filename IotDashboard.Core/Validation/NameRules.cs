using System.Globalization;

namespace IotDashboard.Core.Validation;

/// <summary>
/// What a device or site name may be: 1–100 characters of letters (any script), digits, spaces and a little
/// punctuation. Markup, SQL and shell syntax, control and invisible formatting characters (bidi overrides,
/// zero-width) and words that mix Latin with Cyrillic or Greek look-alikes are refused with a message saying so.
/// </summary>
public static class NameRules
{
    public const int MaxLength = 100;

    /// <summary>The punctuation a name may use besides letters, digits and spaces.</summary>
    public const string AllowedPunctuation = "-_.,()#/+&'";

    /// <summary>Null when <paramref name="name"/> is allowed, else the message; <paramref name="what"/> starts it ("Name", "Site name").</summary>
    public static string? Error(string? name, string what = "Name")
    {
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length is 0 or > MaxLength)
        {
            return $"{what} must be 1–{MaxLength} characters.";
        }

        foreach (var c in trimmed)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
            {
                return $"{what} must not contain control or invisible formatting characters.";
            }
        }

        if (!trimmed.All(Allowed))
        {
            return $"{what} may contain letters, digits, spaces and {string.Join(" ", AllowedPunctuation.ToCharArray())} only.";
        }

        if (trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(MixesLookAlikeScripts))
        {
            return $"{what} must not mix Latin with Cyrillic or Greek letters in one word (they look alike).";
        }

        return null;
    }

    private static bool Allowed(char c) =>
        c == ' ' || char.IsLetterOrDigit(c) || AllowedPunctuation.Contains(c, StringComparison.Ordinal)
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;

    private static bool MixesLookAlikeScripts(string word)
    {
        bool latin = false, cyrillic = false, greek = false;
        foreach (var c in word)
        {
            if (!char.IsLetter(c))
            {
                continue;
            }

            latin |= c < 0x0250 || c is >= '\u1E00' and <= '\u1EFF';
            cyrillic |= c is >= '\u0400' and <= '\u052F';
            greek |= c is >= '\u0370' and <= '\u03FF' or >= '\u1F00' and <= '\u1FFF';
        }

        return latin && (cyrillic || greek);
    }
}
