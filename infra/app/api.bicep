// The function app: Flex Consumption, Linux, running FunctionApp (McpFunctions.dll) as a custom handler.
// host.json (configurationProfile "mcp-custom-handler") makes the Functions host start `dotnet McpFunctions.dll`
// and proxy every route to it; this file only supplies the platform side.

param name string
param location string
param tags object

@description('azd finds the app to deploy `services.api` to by this tag.')
param serviceName string = 'api'

param planId string
param identityId string
param identityClientId string

param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string
param deploymentContainerName string

param applicationInsightsConnectionString string

// Runtime stack. The handler is a framework-dependent net10.0 build started as `dotnet McpFunctions.dll`, so the
// stack's job is only to put a .NET 10 `dotnet` (with the ASP.NET Core shared framework) on the PATH: the
// version must match the TargetFramework or the handler fails to start. Caveats from the research notes:
//  - The host treats the app as a custom handler because of the mcp-custom-handler profile (newer hosts:
//    ProfileWorkerRuntime=custom; intermediate hosts: only on Flex with that profile), whatever this name says.
//  - No sample uses runtime name 'custom' for .NET (UNVERIFIED that its image carries `dotnet`), hence
//    dotnet-isolated, as in the Azure .NET MCP sample (which used 8.0).
//  - That the dotnet-isolated 10.0 image includes Microsoft.AspNetCore.App is assumed (the isolated worker's
//    ASP.NET Core integration needs it), not verified here. Check the region offers it:
//    `az functionapp list-flexconsumption-runtimes --location <region> --runtime dotnet-isolated`.
//  - FUNCTIONS_WORKER_RUNTIME must not be set as an app setting on Flex: functionAppConfig.runtime replaced it.
param runtimeName string = 'dotnet-isolated'
param runtimeVersion string = '10.0'

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound on scale-out. Flex accepts 40 to 1000.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Always-ready instances for the HTTP trigger group; 0 scales to zero.')
param alwaysReadyInstances int = 0

@description('Tasks:Enabled: long-running tool calls as MCP tasks on the in-process Durable Task Framework.')
param enableTasks bool = true

@description('Browser origins allowed besides loopback ones (Hosting:AllowedOrigins), e.g. https://claude.ai.')
param allowedOrigins array = []

@description('Extra host names accepted besides <app>.azurewebsites.net (Hosting:AllowedHosts), e.g. a custom domain.')
param allowedHosts array = []

@description('Client id of the Entra app registration (AzureAd:ClientId). Empty: no Entra settings at all.')
param entraClientId string = ''

@description('Tenant of the app registration (AzureAd:TenantId), always an allowed tenant.')
param entraTenantId string = ''

@description('Further Entra tenant ids whose users and tokens are accepted (Auth:AllowedTenants).')
param allowedTenants array = []

@description('API the profile_get tool calls as the signed-in user (DownstreamApi:BaseUrl): Microsoft Graph by default.')
param downstreamApiBaseUrl string = '${environment().graph}v1.0/'

@description('Delegated scopes for that API, consented at sign-in (DownstreamApi:Scopes); infra/hooks/entra-app.sh requests Graph User.Read. Empty: no downstream calls.')
param downstreamApiScopes array = ['User.Read']

// Hosting:AllowedOrigins and Hosting:AllowedHosts are string arrays. The configuration binder ignores a plain
// scalar value for an array (Hosting__AllowedOrigins=https://a is silently dropped), so each entry becomes an
// indexed setting: Hosting__AllowedOrigins__0, __1, ... None at all by default: nothing beyond loopback.
var originSettings = toObject(range(0, length(allowedOrigins)), i => 'Hosting__AllowedOrigins__${i}', i => string(allowedOrigins[i]))
var hostSettings = toObject(range(0, length(allowedHosts)), i => 'Hosting__AllowedHosts__${i}', i => string(allowedHosts[i]))

var platformSettings = {
  // Identity-based host storage; the app's StorageConnection reads the same keys for its tables and blobs.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
  AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
  // Required in Azure for the mcp-custom-handler profile while it is in preview.
  AzureWebJobsFeatureFlags: 'EnableMcpCustomHandlerPreview'
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  // Application Insights has local auth disabled: the host authenticates with this identity instead.
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  ASPNETCORE_ENVIRONMENT: 'Production'
  // The task hub polls the Queue service (AzureWebJobsStorage__queueServiceUri above) only when this is on.
  Tasks__Enabled: string(enableTasks)
}

// Entra sign-in through Microsoft.Identity.Web, once infra/hooks/entra-app.sh has made the app registration. There is
// no client secret: the app proves itself to Entra with a token of its managed identity, which the registration
// trusts through a federated identity credential (ClientCredentials SourceType SignedAssertionFromManagedIdentity).
var entraSettings = {
  Auth__Mode: 'Entra'
  AzureAd__Instance: environment().authentication.loginEndpoint
  AzureAd__TenantId: entraTenantId
  AzureAd__ClientId: entraClientId
  AzureAd__ClientCredentials__0__SourceType: 'SignedAssertionFromManagedIdentity'
  AzureAd__ClientCredentials__0__ManagedIdentityClientId: identityClientId
}
// Auth:AllowedTenants is a string array too, hence indexed settings; the registration's own tenant comes first.
var tenants = union([entraTenantId], allowedTenants)
var tenantSettings = toObject(range(0, length(tenants)), i => 'Auth__AllowedTenants__${i}', i => string(tenants[i]))

// Tools that call another API as the user (Auth/Downstream): DownstreamApi:Scopes is an array too.
var downstreamSettings = empty(downstreamApiScopes) ? {} : union({ DownstreamApi__BaseUrl: downstreamApiBaseUrl },
  toObject(range(0, length(downstreamApiScopes)), i => 'DownstreamApi__Scopes__${i}', i => string(downstreamApiScopes[i])))

var settings = union(platformSettings, originSettings, hostSettings, empty(entraClientId) ? {} : union(entraSettings, tenantSettings, downstreamSettings))

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: planId
    httpsOnly: true
    publicNetworkAccess: 'Enabled'
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [for setting in items(settings): { name: setting.key, value: setting.value }]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: alwaysReadyInstances == 0 ? [] : [
          {
            name: 'http'
            instanceCount: alwaysReadyInstances
          }
        ]
      }
      runtime: {
        name: runtimeName
        version: runtimeVersion
      }
    }
  }
}

output name string = app.name
output hostName string = app.properties.defaultHostName
output uri string = 'https://${app.properties.defaultHostName}'
