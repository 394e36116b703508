using System.Net.Http.Headers;
using System.Security.Claims;
using McpFunctions.Auth.Server;
using Microsoft.Identity.Client;
using Microsoft.Identity.Web;

namespace McpFunctions.Auth.Downstream;

/// <summary>
/// Calls the configured downstream API as the user (see <see cref="DownstreamTokens"/>): an Entra token for its
/// scopes from Microsoft.Identity.Web, sent in place of the caller's own token, and a JSON answer of bounded size.
/// </summary>
internal sealed class DownstreamApi(HttpClient http, ITokenAcquisition tokens, IOptions<DownstreamApiOptions> options, ILogger<DownstreamApi> logger)
{
    /// <summary>The largest answer read from the API; a tool result is meant for a model, not for bulk data.</summary>
    public const int MaxResponseBytes = 1024 * 1024;

    public async Task<JsonDocument> GetJsonAsync(string relativeUrl, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.BaseUrl is not { } baseUrl)
        {
            throw new DownstreamApiException("No downstream API is configured on this server.", DownstreamFailure.NotConfigured);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Timeout);
        try
        {
            var token = await AcquireAsync(settings.Scopes, user, timeout.Token);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, relativeUrl));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("The downstream API answered {Status} for {Path}", (int)response.StatusCode, request.RequestUri!.AbsolutePath);
                throw new DownstreamApiException($"The downstream API answered {(int)response.StatusCode} ({response.ReasonPhrase}).",
                    (int)response.StatusCode is 401 or 403 ? DownstreamFailure.Refused : DownstreamFailure.Unavailable);
            }

            if (response.Content.Headers.ContentLength > MaxResponseBytes)
            {
                throw new DownstreamApiException($"The downstream API's answer is larger than {MaxResponseBytes} bytes.", DownstreamFailure.Unavailable);
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var bounded = new MemoryStream();
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer, timeout.Token)) > 0)
            {
                if (bounded.Length + read > MaxResponseBytes)
                {
                    throw new DownstreamApiException($"The downstream API's answer is larger than {MaxResponseBytes} bytes.", DownstreamFailure.Unavailable);
                }

                bounded.Write(buffer, 0, read);
            }

            bounded.Position = 0;
            try
            {
                return await JsonDocument.ParseAsync(bounded, cancellationToken: timeout.Token);
            }
            catch (JsonException)
            {
                throw new DownstreamApiException("The downstream API's answer is not JSON.", DownstreamFailure.Unavailable);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new DownstreamApiException($"The downstream API did not answer within {settings.Timeout.TotalSeconds:0} s.", DownstreamFailure.Unavailable);
        }
        catch (HttpRequestException e)
        {
            logger.LogWarning("The downstream API could not be reached: {Error}", e.HttpRequestError);
            throw new DownstreamApiException("The downstream API could not be reached.", DownstreamFailure.Unavailable);
        }
    }

    private async Task<string> AcquireAsync(string[] scopes, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        try
        {
            // The sign-in scheme's options name the app and its credential; an Entra token on this request (stored
            // by Microsoft.Identity.Web when it validated it) makes this on-behalf-of, otherwise the user's account
            // is looked up in the token cache by the home ids in the principal.
            return await tokens.GetAccessTokenForUserAsync(scopes, EntraSignIn.SchemeName, tenantId: null, userFlow: null, user: user,
                tokenAcquisitionOptions: new TokenAcquisitionOptions { CancellationToken = cancellationToken });
        }
        catch (MicrosoftIdentityWebChallengeUserException e)
        {
            logger.LogInformation("No token for the downstream API without the user signing in again: {Error}", e.MsalUiRequiredException.ErrorCode);
            throw new DownstreamApiException(
                "This server holds no permission to call the downstream API for you (consent was not given, or it expired). Sign in to this server again (disconnect and reconnect the MCP server in your client), then retry.",
                DownstreamFailure.SignInRequired);
        }
        catch (MsalServiceException e)
        {
            // The app's own credential or registration being refused is a configuration error; the rest is the user's.
            logger.Log(e.ErrorCode is "invalid_client" or "unauthorized_client" ? Microsoft.Extensions.Logging.LogLevel.Error : Microsoft.Extensions.Logging.LogLevel.Warning,
                "Entra refused a token for the downstream API: {Error} ({Status})", e.ErrorCode, e.StatusCode);
            throw new DownstreamApiException($"Entra ID refused a token for the downstream API ({e.ErrorCode}).", DownstreamFailure.Refused);
        }
        catch (MsalClientException e)
        {
            logger.LogWarning("No token for the downstream API: {Error}", e.ErrorCode);
            throw new DownstreamApiException($"A token for the downstream API could not be obtained ({e.ErrorCode}).", DownstreamFailure.Unavailable);
        }
    }
}
