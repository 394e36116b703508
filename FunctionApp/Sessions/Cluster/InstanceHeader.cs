namespace McpFunctions.Sessions.Cluster;

/// <summary>Names the instance that answered in a response header (diagnostics; <c>Mcp:ExposeInstanceHeader</c>).</summary>
internal sealed class InstanceHeader(RequestDelegate next, LocalInstance self)
{
    public const string Name = "X-McpFunctions-Instance";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.Headers[Name] = self.Id;
        return next(context);
    }
}
