namespace McpFunctions.Hosting;

/// <summary>Chooses the listening address: the Functions host's port when it starts us, else --urls, else the default.</summary>
internal static class CustomHandlerPort
{
    /// <summary>Set by the Functions host on the custom handler process; the host proxies to http://127.0.0.1:{port}.</summary>
    public const string Variable = "FUNCTIONS_CUSTOMHANDLER_PORT";

    public static void ListenWhereTheHostExpects(this WebApplicationBuilder builder)
    {
        var port = builder.Configuration[Variable];
        if (!string.IsNullOrEmpty(port))
        {
            if (!int.TryParse(port, out var number) || number is < 1 or > 65535)
            {
                throw new StartupConfigurationException($"{Variable} is '{port}', which is not a TCP port number (1-65535).");
            }

            builder.WebHost.UseUrls($"http://127.0.0.1:{number}");
            return;
        }

        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            var options = builder.Configuration.GetSection(HostingOptions.SectionName).Get<HostingOptions>() ?? new HostingOptions();
            builder.WebHost.UseUrls(options.DefaultUrl);
        }
    }
}
