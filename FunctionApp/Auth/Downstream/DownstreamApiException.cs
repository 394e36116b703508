namespace McpFunctions.Auth.Downstream;

/// <summary>Why a downstream call failed, so a tool can tell the model whether retrying, or signing in again, helps.</summary>
internal enum DownstreamFailure
{
    NotConfigured,
    SignInRequired,
    Refused,
    Unavailable,
}

/// <summary>A downstream call that failed; the message is safe to show (no token, no response body).</summary>
internal sealed class DownstreamApiException(string message, DownstreamFailure failure) : Exception(message)
{
    public DownstreamFailure Failure { get; } = failure;
}
