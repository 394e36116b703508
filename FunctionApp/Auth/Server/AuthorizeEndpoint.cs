using System.Collections.Immutable;
using System.Security.Claims;
using McpFunctions.Audit;
using McpFunctions.Auth.Clients;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpFunctions.Auth.Server;

/// <summary>
/// <c>/authorize</c> after OpenIddict has validated the request (client, redirect URI, PKCE S256, resource, scopes):
/// the user signs in, approves or denies the client on the consent page, and OpenIddict answers the client with a
/// code (or <c>access_denied</c>), its <c>state</c> and <c>iss</c>.
/// </summary>
internal static class AuthorizeEndpoint
{
    private const string DecisionField = "decision";

    public static async Task HandleAsync(HttpContext context)
    {
        // A request whose client or redirect URI cannot be trusted gets its error here, on a page, never at a redirect.
        if (context.GetOpenIddictServerResponse() is { Error: { } error } refused)
        {
            await HtmlPage.WriteAsync(context, "This sign-in request cannot be completed",
                $"<p>{HtmlPage.Encode(refused.ErrorDescription ?? "The request is not valid.")}</p><p>Go back to the application that sent you here and connect again. If it keeps happening, its configuration does not match this server.</p><p><small><code>error: {HtmlPage.Encode(error)}</code></small></p>",
                StatusCodes.Status400BadRequest);
            return;
        }

        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server did not handle this authorization request.");
        if (ServerRules.ForeignResource(request, context.Request) is { } foreign)
        {
            await ServerResponses.RefuseAsync(context, Errors.InvalidTarget, $"The resource '{foreign}' is not this server; use {ProtectedResource.ResourceUrl(context.Request)}.");
            return;
        }

        if (ServerRules.UnknownScope(request) is { } unknown)
        {
            await ServerResponses.RefuseAsync(context, Errors.InvalidScope, $"The scope '{unknown}' is not offered; this server offers: {string.Join(' ', McpScopes.All)}.");
            return;
        }

        if (await UserSignIn.UserAsync(context) is not var (subject, userName, homeAccount))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                await ServerResponses.RefuseAsync(context, Errors.LoginRequired, "The user is not signed in.");
                return;
            }

            await UserSignIn.ChallengeAsync(context, ReturnUrl(context, request));
            return;
        }

        var services = context.RequestServices;
        var clients = services.GetRequiredService<IOpenIddictApplicationManager>();
        var grants = services.GetRequiredService<IOpenIddictAuthorizationManager>();
        var client = await clients.FindByClientIdAsync(request.ClientId!, context.RequestAborted)
            ?? throw new InvalidOperationException("OpenIddict validated a client that cannot be found.");
        var scopes = GrantedScopes(request);

        var decision = context.Request.HasFormContentType ? (await context.Request.ReadFormAsync(context.RequestAborted))[DecisionField].ToString() : "";
        if (decision.Length > 0)
        {
            if (!await services.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context))
            {
                await HtmlPage.WriteAsync(context, "This approval could not be checked",
                    "<p>The consent form expired or was not sent from this site, so nothing was approved. Go back to your application and connect again.</p>",
                    StatusCodes.Status400BadRequest);
                return;
            }

            if (decision != "allow")
            {
                Audit(context, subject, "deny", AuditOutcomes.Refused, request.ClientId, await clients.GetDisplayNameAsync(client), null);
                await ServerResponses.RefuseAsync(context, Errors.AccessDenied, "The user denied the request.");
                return;
            }
        }

        var remembered = false;
        await foreach (var _ in grants.FindAsync(subject, await clients.GetIdAsync(client), Statuses.Valid, AuthorizationTypes.Permanent, [.. scopes], context.RequestAborted))
        {
            remembered = true;
            break;
        }

        if (decision != "allow" && (!remembered || request.HasPromptValue(PromptValues.Consent)))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                await ServerResponses.RefuseAsync(context, Errors.ConsentRequired, "The user has not approved this client yet.");
                return;
            }

            await ConsentPage.WriteAsync(context, request, await clients.GetDisplayNameAsync(client) ?? request.ClientId!, scopes,
                userName);
            return;
        }

        var identity = new ClaimsIdentity(Microsoft.IdentityModel.Tokens.TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, subject)
            .SetClaim(Claims.Name, userName)
            .SetScopes([.. scopes, Scopes.OfflineAccess])
            .SetResources(ProtectedResource.ResourceUrl(context.Request));
        identity.AddClaims(homeAccount);
        // Every sign-in is a grant of its own, even when consent was remembered: the same client on two devices (one
        // Claude client id for all of a user's Claude apps) must not share a grant's one current refresh token.
        var grant = await grants.CreateAsync(identity, subject, (await clients.GetIdAsync(client))!, AuthorizationTypes.Permanent, [.. scopes], context.RequestAborted);
        var grantId = await grants.GetIdAsync(grant, context.RequestAborted);
        identity.SetAuthorizationId(grantId);
        // "remembered": no consent page was shown, an earlier approval of the same scopes covered this sign-in.
        Audit(context, subject, decision == "allow" ? "allow" : "remembered", AuditOutcomes.Ok, request.ClientId, await clients.GetDisplayNameAsync(client), grantId);
        identity.SetDestinations(TokenEndpoint.AccessTokenDestinations);
        await context.SignInAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
    }

    private static void Audit(HttpContext context, string subject, string decision, string outcome, string? clientId, string? clientName, string? grantId) =>
        context.RequestServices.GetRequiredService<AuditTrail>().RecordFor(subject, new AuditEvent(AuditKinds.Consent, decision, outcome)
        {
            ClientId = clientId,
            ClientName = clientName,
            GrantId = grantId,
        });

    /// <summary>The MCP scopes the client asked for, or all of them when it named none (the consent page shows which).</summary>
    public static ImmutableArray<string> GrantedScopes(OpenIddictRequest request)
    {
        var requested = request.GetScopes().Where(McpScopes.All.Contains).ToImmutableArray();
        return requested.IsEmpty ? [.. McpScopes.All] : requested;
    }


    /// <summary>Where sign-in returns to: this same authorization request, as a GET (its parameters in the query).</summary>
    private static string ReturnUrl(HttpContext context, OpenIddictRequest request) => context.Request.PathBase + context.Request.Path + Microsoft.AspNetCore.Http.QueryString.Create(FormParameters(request));

    /// <summary>The request's own parameters, without the consent form's fields.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> FormParameters(OpenIddictRequest request) =>
        request.GetParameters()
            .Where(p => p.Key is not (DecisionField or "csrf"))
            .Select(p => new KeyValuePair<string, string?>(p.Key, (string?)p.Value));
}
