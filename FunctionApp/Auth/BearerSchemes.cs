using System.Buffers;
using System.Buffers.Text;
using System.Text;
using McpFunctions.Auth.Server;
using Microsoft.Net.Http.Headers;

namespace McpFunctions.Auth;

/// <summary>
/// Which scheme validates a request's bearer token: this server's own access tokens (<see cref="OwnTokens"/>) or
/// Entra-issued ones (Microsoft.Identity.Web). Used as the default scheme's forward selector, so a request pays for
/// one handler, not a chain of them.
/// </summary>
internal sealed class BearerSchemes(bool ownTokens, bool entraTokens)
{
    /// <summary>The scheme for this request, or null for the default scheme itself.</summary>
    public string? Select(HttpContext context)
    {
        if (RelayedUser.SelectFor(context) is { } relayed)
        {
            return relayed;
        }

        if (!context.Request.Headers.TryGetValue(HeaderNames.Authorization, out var authorization))
        {
            return null;
        }

        if (ownTokens && (!entraTokens || IsOwnAccessToken(authorization.ToString())))
        {
            return AuthorizationServer.TokenScheme;
        }

        return entraTokens ? EntraTokens.SchemeName : null;
    }

    /// <summary>
    /// This server's access tokens carry <c>"typ":"at+jwt"</c> in their JOSE header (RFC 9068); Entra's carry
    /// <c>"JWT"</c>. Only the header segment is decoded, on the stack; the signature is checked by the chosen scheme.
    /// </summary>
    public static bool IsOwnAccessToken(string authorization)
    {
        const string prefix = "Bearer ";
        if (!authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var token = authorization.AsSpan(prefix.Length).Trim();
        var dot = token.IndexOf('.');
        if (dot is <= 0 or > 512)
        {
            return false;
        }

        Span<byte> encoded = stackalloc byte[dot];
        if (Encoding.ASCII.GetBytes(token[..dot], encoded) != dot)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[Base64Url.GetMaxDecodedLength(dot)];
        return Base64Url.DecodeFromUtf8(encoded, header, out _, out var written) == OperationStatus.Done
            && header[..written].IndexOf("\"at+jwt\""u8) >= 0;
    }
}
