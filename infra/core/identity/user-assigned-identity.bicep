// The identity the function app runs as. User-assigned (not system-assigned) so it exists, and its role
// assignments can be granted, before the app is created: the host then starts with working storage access.

param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
