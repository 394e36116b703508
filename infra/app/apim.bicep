// Optional (main.bicep: enableApiManagement, off by default): Azure API Management in front of the function app, for
// a rate limit that holds across all of the app's instances. The app's own limits (RateLimits:*) count per instance,
// so N instances accept N times them; the gateway's counters are shared. Every method and path is forwarded to the
// app unchanged. See docs/deploy.md for what clients see behind a gateway.

param name string
param location string
param tags object

@description('The function app\'s https URL; every request is forwarded there.')
param backendUrl string

// rate-limit-by-key, the policy this module exists for, is not offered on the Consumption tier (nor is
// quota-by-key), so the default is the cheapest tier that has it.
@allowed([
  'BasicV2'
  'StandardV2'
  'Developer'
  'Basic'
  'Standard'
  'Premium'
])
@description('API Management tier; each has rate-limit-by-key except Consumption, which is therefore not offered.')
param skuName string = 'BasicV2'

@description('Requests per minute per caller (per access token, or per IP address without one), across all instances.')
@minValue(1)
param callsPerMinute int = 1200

@description('Where API Management sends service notifications; the service requires one.')
param publisherEmail string

@description('Shown as the publisher in the developer portal (which this module does not use).')
param publisherName string = 'McpFunctions'

resource service 'Microsoft.ApiManagement/service@2024-05-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    capacity: 1
  }
  properties: {
    publisherEmail: publisherEmail
    publisherName: publisherName
  }
}

// One API at the root (an empty URL suffix), without subscription keys: the app authenticates callers itself.
resource api 'Microsoft.ApiManagement/service/apis@2024-05-01' = {
  parent: service
  name: 'mcpfunctions'
  properties: {
    displayName: 'McpFunctions'
    path: ''
    protocols: [
      'https'
    ]
    serviceUrl: backendUrl
    subscriptionRequired: false
  }
}

// A wildcard operation per method: MCP (/mcp, /sse, /message), OAuth, metadata and the pages all pass.
var methods = [
  'GET'
  'POST'
  'DELETE'
  'PUT'
  'PATCH'
  'OPTIONS'
  'HEAD'
]

resource operations 'Microsoft.ApiManagement/service/apis/operations@2024-05-01' = [
  for method in methods: {
    parent: api
    name: 'all-${toLower(method)}'
    properties: {
      displayName: '${method} /*'
      method: method
      urlTemplate: '/*'
    }
  }
]

resource policy 'Microsoft.ApiManagement/service/apis/policies@2024-05-01' = {
  parent: api
  name: 'policy'
  properties: {
    format: 'rawxml'
    value: replace(loadTextContent('apim-policy.xml'), '{calls-per-minute}', string(callsPerMinute))
  }
}

output name string = service.name
output gatewayUrl string = service.properties.gatewayUrl
