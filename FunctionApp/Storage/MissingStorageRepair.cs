using Azure.Core;
using Azure.Core.Pipeline;

namespace McpFunctions.Storage;

/// <summary>
/// Re-creates a table or container that has gone (an account replaced, a table deleted by hand) on the request
/// that finds it missing, then sends that request again, so storage that comes back empty works at once, with no
/// restart. Tables and containers are otherwise created once per process, on first use.
/// </summary>
/// <remarks>
/// A pipeline policy sees every call of the client in one place; catching the 404 at each call site would not. An
/// entity-group transaction (<c>$batch</c>) names its table only inside its body and reports the missing table inside
/// its answer, so for one the table is read from the first request line of the body. Azure refuses to re-create a
/// table for a while after deleting it (409 TableBeingDeleted): the request then fails with 503 (<see cref="StorageFaults"/>).
/// </remarks>
internal sealed partial class MissingStorageRepair(string missingCode, string accountPath, Func<string, CancellationToken, Task> create, ILogger? logger = null) : HttpPipelinePolicy
{
    public const string TableNotFound = "TableNotFound";
    public const string ContainerNotFound = "ContainerNotFound";

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline);
        var batch = IsBatch(message.Request);
        if ((message.Response.Status != 404 && !batch) || !IsMissing(message.Response)
            || (batch ? await BatchTableAsync(message.Request, message.CancellationToken) : NameOf(message.Request)) is not { } name)
        {
            return;
        }

        logger?.LogWarning("Storage {Name} is missing; re-creating it", name);
        await create(name, message.CancellationToken);
        await ProcessNextAsync(message, pipeline);
    }

    private bool IsMissing(Azure.Response response) =>
        (response.Headers.TryGetValue("x-ms-error-code", out var code) && code == missingCode)
        || (response.ContentStream is { CanSeek: true } && response.Content.ToString().Contains(missingCode, StringComparison.Ordinal));

    private static bool IsBatch(Request request) => request.Uri.Path.EndsWith("/$batch", StringComparison.Ordinal);

    /// <summary>The table of a transaction: the first request line of its body (<c>POST http://host/account/table HTTP/1.1</c>).</summary>
    private static async Task<string?> BatchTableAsync(Request request, CancellationToken cancellationToken)
    {
        if (request.Content is null)
        {
            return null;
        }

        using var body = new MemoryStream();
        await request.Content.WriteToAsync(body, cancellationToken);
        var match = BatchRequestLine().Match(System.Text.Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length));
        return match.Success ? match.Groups["table"].Value : null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:POST|PUT|MERGE|PATCH|DELETE|GET) https?://[^/\s]+/(?:[^/\s]+/)?(?<table>[A-Za-z][A-Za-z0-9]{2,62})(?:\(|\?|\s)", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex BatchRequestLine();

    /// <summary>The table or container a request is about: the first path segment after the account (path-style URLs, such as Azurite's).</summary>
    private string? NameOf(Request request)
    {
        var path = request.Uri.Path.TrimStart('/');
        var account = accountPath.Trim('/');
        if (account.Length > 0 && path.StartsWith(account + "/", StringComparison.Ordinal))
        {
            path = path[(account.Length + 1)..];
        }

        var segment = path.Split('/', 2)[0];
        var name = segment.Split('(', 2)[0];
        // $batch, Tables('x') (a table-level request) and the service itself are not about one missing table.
        return name.Length == 0 || name.StartsWith('$') || name.Equals("Tables", StringComparison.OrdinalIgnoreCase) ? null : name;
    }
}
