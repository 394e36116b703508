// Built-in role definition ids (the same in every tenant), kept in one place so each assignment says which
// role it grants by name. See "Azure built-in roles" (learn.microsoft.com/azure/role-based-access-control/built-in-roles).

@export()
@description('Read, write and delete blobs; create and delete containers. No ACL/ownership management.')
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

@export()
@description('Read, write and delete tables and entities.')
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'

@export()
@description('Read, write and delete queues and messages.')
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'

@export()
@description('Send metrics and telemetry to Azure Monitor (Entra-authenticated Application Insights ingestion).')
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'
