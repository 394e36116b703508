using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace McpFunctions.Tests.Tasks;

/// <summary>Records every HTTP request of the storage clients it is put into (per retry, so retries count), as "METHOD service path?comp".</summary>
internal sealed class RequestCount : HttpPipelineSynchronousPolicy
{
    private readonly ConcurrentQueue<string> _requests = new();

    public int Mark() => _requests.Count;

    public List<string> Since(int mark) => _requests.Skip(mark).ToList();

    public override void OnSendingRequest(HttpMessage message)
    {
        var uri = message.Request.Uri.ToUri();
        // Azurite serves each service on its own port; the path's account segment is dropped, the operation kept.
        var service = uri.Port == TestRun.Azurite.QueuePort ? "queue" : uri.Port == TestRun.Azurite.TablePort ? "table" : "blob";
        var path = uri.AbsolutePath.Replace("/devstoreaccount1", "", StringComparison.Ordinal);
        var comp = System.Web.HttpUtility.ParseQueryString(uri.Query)["comp"];
        _requests.Enqueue($"{message.Request.Method} {service} {path}{(comp is null ? "" : "?comp=" + comp)}");
    }
}
