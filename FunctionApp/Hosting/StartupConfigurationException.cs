namespace McpFunctions.Hosting;

/// <summary>A setting makes start-up impossible; the process prints the message and exits with code 1.</summary>
internal sealed class StartupConfigurationException(string message) : Exception(message);
