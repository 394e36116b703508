using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace McpFunctions.Mcp;

/// <summary>
/// Seals the <c>requestState</c> a tool hands to the client in an input-required result (MRTR), so the retry,
/// which may reach any instance, can trust what the state says: which tool, which caller, which action, and
/// that it is recent. A client can echo the state back but cannot forge or alter it.
/// </summary>
internal sealed class RequestStateProtector(IDataProtectionProvider provider, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private readonly IDataProtector _protector = provider.CreateProtector("McpFunctions.Mcp.RequestState.v1");

    public string Protect(Payload payload) =>
        _protector.Protect(JsonSerializer.Serialize(payload with { IssuedAt = time.GetUtcNow() }, JsonSerializerOptions.Web));

    /// <summary>The payload if the state is genuine, for this tool and caller, and younger than <see cref="Lifetime"/>; else null.</summary>
    public Payload? Unprotect(string? state, string tool, string callerId)
    {
        if (string.IsNullOrEmpty(state))
        {
            return null;
        }

        try
        {
            var payload = JsonSerializer.Deserialize<Payload>(_protector.Unprotect(state), JsonSerializerOptions.Web);
            return payload is not null
                && payload.Tool == tool
                && payload.CallerId == callerId
                && time.GetUtcNow() - payload.IssuedAt <= Lifetime
                ? payload
                : null;
        }
        catch (Exception e) when (e is CryptographicException or JsonException or FormatException)
        {
            return null;
        }
    }

    /// <summary>What a sealed MRTR request state vouches for: the tool, the caller, and what the user is asked to confirm.</summary>
    internal sealed record Payload(string Tool, string CallerId, string Subject, DateTimeOffset IssuedAt = default);
}
