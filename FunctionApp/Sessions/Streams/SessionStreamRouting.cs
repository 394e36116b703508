using McpFunctions.Sessions.State;

namespace McpFunctions.Sessions.Streams;

/// <summary>
/// Streams of an admitted session: serves its GET stream (<see cref="NotificationStream"/>) unless the client
/// resumes a POST response stream, which the SDK replays from the event store; and opens a delivery ticket around
/// each POST, so the request's event writer learns whether its response got through.
/// </summary>
internal sealed class SessionStreamRouting(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<McpSessionRequest>() is not { } admitted)
        {
            return next(context);
        }

        var request = context.Request;
        if (HttpMethods.IsPost(request.Method))
        {
            return NextDeliveringAsync(context);
        }

        return HttpMethods.IsGet(request.Method) && admitted.Session is { } session && !EventIds.IsPostStream(request.Headers["Last-Event-ID"].ToString())
            ? context.RequestServices.GetRequiredService<NotificationStream>().HandleAsync(context, session)
            : next(context);
    }

    private async Task NextDeliveringAsync(HttpContext context)
    {
        using var delivery = StreamDeliveries.Begin();
        await next(context);
        // Delivered: the response was written in full, to a client that did not go away.
        if (!context.RequestAborted.IsCancellationRequested && context.Response.StatusCode == StatusCodes.Status200OK)
        {
            delivery.Ticket.MarkDelivered();
        }
    }
}
