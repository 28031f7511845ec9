using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using PgQueue.Api.Auth;

namespace PgQueue.Api;

/// <summary>Declares the <c>X-Api-Key</c> header in the OpenAPI document and requires it everywhere but /healthz.</summary>
internal sealed class ApiKeySecuritySchemeTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "PgQueue HTTP API";
        document.Info.Description =
            "Enqueue, process and operate a PgQueue through the pgqueue SQL contract. Every endpoint but /healthz needs an " +
            "API key in the X-Api-Key header; keys have the role producer, worker or admin.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeyAuthenticationHandler.SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthenticationHandler.HeaderName,
            Description = "An API key from PgQueue:ApiKeys.",
        };
        var requirement = new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, document)] = [],
        };
        foreach (var (path, item) in document.Paths)
        {
            if (path == Endpoints.HealthEndpoint.Path || item.Operations is null)
            {
                continue;
            }

            foreach (var operation in item.Operations.Values)
            {
                operation.Security ??= [];
                operation.Security.Add(requirement);
            }
        }

        return Task.CompletedTask;
    }
}
