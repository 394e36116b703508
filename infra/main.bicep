// `azd up` entry point: one resource group holding a Flex Consumption function app that runs the MCP server,
// its storage (Entra-only), a user-assigned identity with least-privilege data roles, and monitoring.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds unique resource names.')
param environmentName string

@minLength(1)
@description('Region for every resource. It must offer Flex Consumption with dotnet-isolated 10.0.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the user running azd (AZURE_PRINCIPAL_ID); gets data access for local tools. Empty skips it.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
@description('Kind of principal principalId is; ServicePrincipal when azd runs in CI under one.')
param principalType string = 'User'

@description('Upper bound on the app\'s scale-out (Flex accepts 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Comma-separated browser origins allowed to call the server, e.g. "https://claude.ai". Empty: loopback only.')
param allowedOrigins string = ''

@description('Comma-separated extra host names the server answers to (a custom domain in front of the app). Empty: only <app>.azurewebsites.net.')
param allowedHosts string = ''

@description('Also grant the app Storage Queue Data Contributor when tasks are off (tasks need it and get it anyway).')
param grantQueueAccess bool = false

@description('Run long-running tool calls as MCP tasks on the in-process Durable Task Framework (Tasks:Enabled; docs/tasks.md). Needs the Queue service, so it also grants Storage Queue Data Contributor.')
param enableTasks bool = true

@description('Always-ready instances for HTTP (Flex Consumption), so that pending tasks and the first request never wait for a cold start. Billed while idle; 0 scales to zero.')
@minValue(0)
@maxValue(20)
param alwaysReadyInstances int = 0

@description('Client id of the Entra app registration users sign in through (AZURE_AD_CLIENT_ID, set by infra/hooks/entra-app.sh before provisioning). Empty: no Entra settings, and MCP requests get 401.')
param entraClientId string = ''

@description('Tenant of that app registration (AZURE_AD_TENANT_ID). Empty: the tenant of the deployment.')
param entraTenantId string = ''

@description('Comma-separated Entra tenant ids whose users and tokens are accepted besides the app registration\'s own (for a multi-tenant registration). Empty: its own tenant only.')
param allowedTenants string = ''

@description('Put Azure API Management in front of the app, with a rate limit across all instances (docs/deploy.md). Off by default: it is a separate, billed service.')
param enableApiManagement bool = false

@allowed([
  'BasicV2'
  'StandardV2'
  'Developer'
  'Basic'
  'Standard'
  'Premium'
])
@description('API Management tier (Consumption lacks rate-limit-by-key, so it is not offered).')
param apiManagementSku string = 'BasicV2'

@minValue(1)
@description('Requests per minute per caller (per access token, or per IP address without one) that API Management lets through, across all instances.')
param apiManagementCallsPerMinute int = 1200

@description('Where API Management sends service notifications. Empty: noreply@<environment>.invalid (nothing is delivered).')
param apiManagementPublisherEmail string = ''

var tags = {
  'azd-env-name': environmentName
}

// uniqueString is stable for the same subscription, environment and region, so re-running azd up updates
// the same resources instead of creating new ones.
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var functionAppName = 'func-api-${resourceToken}'
var deploymentContainerName = 'app-package'
// FunctionApp/Storage/StorageOptions.FilesContainer default; the app would create it too, but creating it here
// keeps the first request from paying for it.
var filesContainerName = 'mcp-files'

var originList = filter(map(split(allowedOrigins, ','), origin => trim(origin)), origin => !empty(origin))
var hostList = filter(map(split(allowedHosts, ','), hostName => trim(hostName)), hostName => !empty(hostName))
var tenantList = filter(map(split(allowedTenants, ','), tenantId => trim(tenantId)), tenantId => !empty(tenantId))

resource resourceGroup 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'core/identity/user-assigned-identity.bicep' = {
  name: 'identity'
  scope: resourceGroup
  params: {
    name: 'id-api-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'core/storage/storage-account.bicep' = {
  name: 'storage'
  scope: resourceGroup
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    containerNames: [
      deploymentContainerName
      filesContainerName
    ]
  }
}

module monitoring 'core/monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: resourceGroup
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module dataAccess 'app/data-access.bicep' = {
  name: 'data-access'
  scope: resourceGroup
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    appPrincipalId: identity.outputs.principalId
    grantQueueAccess: grantQueueAccess || enableTasks
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

module plan 'core/host/flex-consumption-plan.bicep' = {
  name: 'plan'
  scope: resourceGroup
  params: {
    name: 'plan-${resourceToken}'
    location: location
    tags: tags
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: resourceGroup
  params: {
    name: functionAppName
    location: location
    tags: tags
    serviceName: 'api'
    planId: plan.outputs.id
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyInstances: alwaysReadyInstances
    enableTasks: enableTasks
    allowedOrigins: originList
    allowedHosts: hostList
    entraClientId: entraClientId
    entraTenantId: empty(entraTenantId) ? tenant().tenantId : entraTenantId
    allowedTenants: tenantList
  }
  // The host reads storage as soon as the site exists; granting the roles first avoids a start on 403s.
  dependsOn: [
    dataAccess
  ]
}

module apim 'app/apim.bicep' = if (enableApiManagement) {
  name: 'apim'
  scope: resourceGroup
  params: {
    name: 'apim-${resourceToken}'
    location: location
    tags: tags
    backendUrl: api.outputs.uri
    skuName: apiManagementSku
    callsPerMinute: apiManagementCallsPerMinute
    publisherEmail: empty(apiManagementPublisherEmail) ? 'noreply@${environmentName}.invalid' : apiManagementPublisherEmail
  }
}

// azd writes these into .azure/<env>/.env (`azd env get-values`).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output MCP_URL string = '${api.outputs.uri}/mcp'
// For infra/hooks/entra-app.sh after provisioning: the sign-in redirect URI, and the federated credential that lets
// the app's identity act as the app registration (issuer: the login endpoint and tenant; subject: the principal id).
output AZURE_FUNCTION_APP_HOSTNAME string = api.outputs.hostName
output AZURE_FUNCTION_APP_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AZURE_FUNCTION_APP_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_LOGIN_ENDPOINT string = environment().authentication.loginEndpoint
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output API_MANAGEMENT_GATEWAY_URL string = enableApiManagement ? apim!.outputs.gatewayUrl : ''
