using System.Net.Sockets;
using Azure;

namespace McpFunctions.Storage;

/// <summary>
/// Tells a storage outage (nothing answered, or the service said it is busy or failing) from a storage answer the
/// code should handle (404, 409, 412). Requests that fail for the first reason get 503 with <c>Retry-After</c>, and
/// tools a result that says to retry; never a 500.
/// </summary>
internal static class StorageFaults
{
    /// <summary>Seconds a client is asked to wait before retrying (<c>Retry-After</c>).</summary>
    public const int RetryAfterSeconds = 5;

    public const string Message = "Storage is temporarily unavailable, so this request was not carried out. Retry in a few seconds.";

    public static bool IsUnavailable(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case RequestFailedException failed when failed.Status is 0 or 408 or 429 or >= 500:
                // A table or container that is gone and could not be re-created yet (MissingStorageRepair).
                case RequestFailedException { ErrorCode: MissingStorageRepair.TableNotFound or MissingStorageRepair.ContainerNotFound or "TableBeingDeleted" or "ContainerBeingDeleted" }:
                case SocketException:
                case HttpRequestException:
                case TimeoutException:
                    return true;
                // Azure.Core reports a network timeout as a cancellation that no caller asked for.
                case TaskCanceledException canceled when canceled.Message.Contains("timeout", StringComparison.OrdinalIgnoreCase):
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(IsUnavailable):
                    return true;
            }
        }

        return false;
    }

    /// <summary>What failed, for a log line: the status and error code, or the exception type (never a message, which can carry a URL or key).</summary>
    public static string Describe(Exception? fault) => fault switch
    {
        RequestFailedException { Status: 0 } failed => "no answer: " + Describe(failed.InnerException),
        RequestFailedException failed => $"{failed.Status} {failed.ErrorCode}",
        HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } request => request.HttpRequestError.ToString(),
        System.Net.Sockets.SocketException socket => socket.SocketErrorCode.ToString(),
        AggregateException aggregate => string.Join("; ", aggregate.InnerExceptions.Select(Describe).Distinct()),
        null => "unknown",
        _ => fault.GetType().Name,
    };
}
