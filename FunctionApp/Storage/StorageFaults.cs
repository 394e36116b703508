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

    /// <summary>
    /// Which of the app's methods made the storage call that failed: the first frame of the app's own code in the
    /// stack trace outside Storage/ (a type and method name, never a message), so a log line says which path needs storage.
    /// </summary>
    public static string Origin(Exception? fault)
    {
        var trace = new System.Diagnostics.StackTrace(fault ?? new Exception(), fNeedFileInfo: false);
        foreach (var frame in trace.GetFrames())
        {
            var type = frame.GetMethod()?.DeclaringType;
            // Async methods run in compiler-generated state machines nested in the type that declares them.
            var owner = type?.DeclaringType is { } outer && type.Name.Contains('<') ? outer : type;
            if (owner?.Namespace?.StartsWith("McpFunctions", StringComparison.Ordinal) == true && owner.Namespace != typeof(StorageFaults).Namespace)
            {
                var name = type!.Name.Contains('<') ? type.Name[(type.Name.IndexOf('<') + 1)..type.Name.IndexOf('>')] : frame.GetMethod()!.Name;
                return $"{owner.Name}.{name}";
            }
        }

        return "unknown";
    }
}
