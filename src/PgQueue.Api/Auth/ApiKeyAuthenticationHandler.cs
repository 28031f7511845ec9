using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace PgQueue.Api.Auth;

/// <summary>
/// Authenticates a request by its <c>X-Api-Key</c> header against <see cref="ApiKeyStore"/>. A missing or unknown key
/// is answered 401, a key without the endpoint's role 403, both as problem details.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyStore keys,
    IProblemDetailsService problemDetails)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    private readonly ILogger _logger = loggerFactory.CreateLogger<ApiKeyAuthenticationHandler>();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (values.Count > 1)
        {
            return Task.FromResult(AuthenticateResult.Fail($"more than one {HeaderName} header"));
        }

        var presented = values[0]!;
        var roles = keys.RolesOf(presented);
        if (roles is null)
        {
            Log.UnknownApiKey(_logger, ApiKeyStore.Fingerprint(presented), Request.Method, Request.Path);
            return Task.FromResult(AuthenticateResult.Fail("unknown API key"));
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, ApiKeyStore.Fingerprint(presented)) };
        claims.AddRange(roles.Select(role => new Claim(ClaimTypes.Role, role)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        var detail = keys.IsEmpty
            ? $"No API keys are configured ({ApiKeyStore.Section}), so every endpoint but /healthz is closed."
            : $"Send a configured API key in the {HeaderName} header.";
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized", detail).ConfigureAwait(false);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden",
            "This API key's role may not call this endpoint.").ConfigureAwait(false);
    }

    private async Task WriteProblemAsync(int status, string title, string detail)
    {
        await problemDetails.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).ConfigureAwait(false);
    }
}
