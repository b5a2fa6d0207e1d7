namespace IotDashboard.Core;

/// <summary>A configuration value the app cannot start with; the message names the key and the allowed values.</summary>
public sealed class InvalidConfigurationException(string message) : Exception(message);
