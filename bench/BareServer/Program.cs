using BareServer;
using ModelContextProtocol.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddMcpServer()
    .WithHttpTransport(http =>
    {
        // The same hybrid mode as McpFunctions, so both session (2025-11-25) and stateless (2026-07-28)
        // clients can be measured; everything else is the SDK's default. (appsettings.json also lowers the
        // ModelContextProtocol log category to Warning, as McpFunctions does: at the default Information level
        // the SDK writes three console lines per tools/call, which would dominate the comparison.)
        http.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
    })
    .WithTools<CalculatorTool>();

var app = builder.Build();
app.MapMcp("/mcp");
app.Run();
