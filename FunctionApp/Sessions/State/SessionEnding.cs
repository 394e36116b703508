namespace McpFunctions.Sessions.State;

/// <summary>DELETE of an admitted session: once the SDK has closed its copy here, ends the session on every instance.</summary>
internal sealed class SessionEnding(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context) =>
        HttpMethods.IsDelete(context.Request.Method) && context.Features.Get<McpSessionRequest>()?.Session is { } session
            ? EndAfterAsync(context, session)
            : next(context);

    private async Task EndAfterAsync(HttpContext context, SessionEntity session)
    {
        await next(context);
        if (context.Response.StatusCode < 400)
        {
            await context.RequestServices.GetRequiredService<SessionLifecycle>().EndAsync(session, CancellationToken.None);
        }
    }
}
