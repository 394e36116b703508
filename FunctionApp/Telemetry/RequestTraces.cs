using System.Diagnostics;
using OpenTelemetry.Trace;

namespace McpFunctions.Telemetry;

/// <summary>
/// Records the traces of requests this app serves, and not the background work between them.
/// </summary>
/// <remarks>
/// The relay pump, the instance heartbeat and the sweepers query storage every few seconds on every instance; each
/// query would be a trace of its own, which would bury the request traces on the console and bill Application
/// Insights for polling. So a trace starts only at an incoming request (a server span); a span under a recorded
/// parent is recorded. A caller's <c>traceparent</c> is joined but its sampled flag is not obeyed: the Functions host
/// forwards one, and a request it did not sample is still ours to record.
/// </remarks>
internal sealed class RequestTraces : Sampler
{
    private static readonly SamplingResult Record = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

    private RequestTraces()
    {
    }

    public static Sampler Sampler { get; } = new ParentBasedSampler(
        new RequestTraces(),
        remoteParentSampled: new AlwaysOnSampler(),
        remoteParentNotSampled: new AlwaysOnSampler(),
        localParentSampled: new AlwaysOnSampler(),
        localParentNotSampled: new AlwaysOffSampler());

    /// <summary>Decides for a span without a parent only: one the app starts by itself is background work.</summary>
    public override SamplingResult ShouldSample(in SamplingParameters parameters) =>
        parameters.Kind == ActivityKind.Server ? Record : Drop;
}
