using McpFunctions.Audit;
using McpFunctions.Auth;
using McpFunctions.Hosting;
using McpFunctions.Mcp;
using McpFunctions.Storage;
using McpFunctions.Telemetry;

var builder = WebApplication.CreateBuilder(args);
try
{
    builder.ListenWhereTheHostExpects();
    builder.Services
        .AddTelemetry(builder.Configuration, builder.Environment)
        .AddHosting(builder.Configuration)
        .AddStorage(builder.Configuration)
        .AddAudit(builder.Configuration)
        .AddAuth(builder.Configuration, builder.Environment)
        .AddMcp(builder.Configuration, builder.Environment)
        .LoadDataProtectionKeysOnFirstUse();
}
catch (StartupConfigurationException e)
{
    Console.Error.WriteLine($"McpFunctions cannot start: {e.Message}");
    return 1;
}

var app = builder.Build();

app.UseHosting();
app.UseAuth();
app.UseMcpSessions();
app.UseAuthorization();
app.UseToolScopes();

app.MapHosting();
app.MapAuth();
app.MapMcpEndpoints();

app.Run();
return 0;

/// <summary>Entry point; public so tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
