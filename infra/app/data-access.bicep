// Who may touch the data, and no more than they need.
//
// Why Storage Blob Data Contributor and not Storage Blob Data Owner (which the Azure MCP samples assign):
// The Functions docs ("Connecting to host storage with an identity") name Blob Data Owner as a role that
// *covers* host storage and state the actual need: "read and write access to blobs and the ability to create
// containers". Blob Data Contributor grants exactly that: containers read/write/delete (create
// azure-webjobs-hosts, azure-webjobs-secrets, mcp-files) and blob read/write/delete (host keys, the host lock
// lease, the deployment package that Flex writes and reads with this identity, users' files). What Owner adds
// is blob ownership and POSIX ACL management for Data Lake (hierarchical namespace is off on this account),
// blob index tags and immutability/legal-hold actions; neither the host nor this app uses any of them.
// Conclusion: Owner is sufficient but not necessary, so Contributor is assigned. If a future host version
// turns out to need one of Owner's extra actions, the failure shows up as a 403 in the host logs on start.
//
// Storage Table Data Contributor: the app keeps notes, preferences and sessions in tables it creates itself,
// and the host writes its diagnostic events to a table through AzureWebJobsStorage.
//
// Storage Queue Data Contributor: granted when tasks are on (main.bicep's enableTasks, the default), because the
// in-process Durable Task Framework keeps its work queues in the Queue service. The host itself uses queues only for
// the blob trigger and Durable Functions, which a custom handler serving HTTP has neither of.
//
// Monitoring Metrics Publisher on Application Insights: required because local auth is disabled there, so
// telemetry is accepted only with an Entra token of an identity holding this role.

import { storageBlobDataContributor, storageTableDataContributor, storageQueueDataContributor, monitoringMetricsPublisher } from '../core/security/built-in-roles.bicep'

param storageAccountName string
param applicationInsightsName string

@description('Principal (object) id of the function app\'s user-assigned identity.')
param appPrincipalId string

@description('Grant the app Storage Queue Data Contributor as well. Only needed for queue-based features.')
param grantQueueAccess bool = false

@description('Object id of the person (or CI principal) running azd, for local tools against the cloud account. Empty skips it.')
param deployerPrincipalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param deployerPrincipalType string = 'User'

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

var appStorageRoles = union(
  [storageBlobDataContributor, storageTableDataContributor],
  grantQueueAccess ? [storageQueueDataContributor] : []
)

resource appStorageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in appStorageRoles: {
    name: guid(storage.id, appPrincipalId, roleId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource appTelemetryAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appPrincipalId, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The same data roles for the deployer, so Storage Explorer or `az storage ... --auth-mode login` work against
// the account; there are no keys to fall back on.
var deployerStorageRoles = empty(deployerPrincipalId) ? [] : [storageBlobDataContributor, storageTableDataContributor]

resource deployerStorageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in deployerStorageRoles: {
    name: guid(storage.id, deployerPrincipalId, roleId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: deployerPrincipalId
      principalType: deployerPrincipalType
    }
  }
]
