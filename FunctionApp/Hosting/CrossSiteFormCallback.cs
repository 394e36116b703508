namespace McpFunctions.Hosting;

/// <summary>
/// A path that receives form posts from another site by design (an identity provider's <c>form_post</c> answer, such
/// as Entra ID's to <c>/signin-oidc</c>), so <see cref="RequestGuard"/>'s Origin rule does not apply to form posts
/// there. The handler on that path protects itself (OpenID Connect: state, nonce and the correlation cookie).
/// </summary>
internal sealed record CrossSiteFormCallback(PathString Path);
