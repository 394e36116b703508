using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace McpFunctions.Tests.Tasks;

/// <summary>
/// Fails every storage request of the clients it is put into while it is on: to storage, the worker behind them looks
/// like an instance that was killed (no completions, no lock or lease renewals).
/// </summary>
internal sealed class StorageBlackout : HttpPipelineSynchronousPolicy
{
    private volatile bool _on;

    public void TurnOn() => _on = true;

    public void TurnOff() => _on = false;

    public override void OnSendingRequest(HttpMessage message)
    {
        if (_on)
        {
            throw new RequestFailedException(503, "Storage is blacked out for this worker (test).");
        }
    }
}
