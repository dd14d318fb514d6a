// ClinicFerry in the customer's own tenant: Function App (Flex Consumption or Elastic Premium),
// a dedicated storage account for the Durable task hub and the ledger (identity only, no shared keys),
// a user-assigned identity, Key Vault (RBAC) for destination credentials, and monitoring.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names every resource and the Durable task hub.')
param environmentName string

@minLength(1)
@description('Azure region for every resource (choose the clinic\'s data residency region).')
param location string

@description('Object id of the deploying user or group, granted data access for first-run checks. Empty to skip.')
param principalId string = ''

@allowed(['FlexConsumption', 'ElasticPremium'])
@description('Flex Consumption by default; Elastic Premium when Easy Auth or deployment slots are required.')
param hostingPlan string = 'FlexConsumption'

@description('Integrate the app with a VNet and reach storage and Key Vault through private endpoints only.')
param vnetEnabled bool = false

@minValue(1)
@description('Days staged canonical pages, before-images and documents are kept before deletion.')
param stagingRetentionDays int = 30

@minValue(1)
@description('Days reports (diff, reconciliation, quality) are kept before deletion.')
param reportRetentionDays int = 90

@description('Dataverse environment URL, e.g. https://contoso.crm4.dynamics.com (not a secret).')
param dataverseUrl string = ''

@description('Entra tenant id of the Dataverse application user.')
param dataverseTenantId string = ''

@description('E-mail of the active destination user that owns records whose owner cannot be matched.')
param fallbackOwnerEmail string = ''

@description('Entra app registration (client id) for App Service authentication of the portal API; empty = function keys only. Check Easy Auth support on Flex Consumption in your region, or use ElasticPremium.')
param authClientId string = ''

@description('Maximum instances of the Flex Consumption app (bounds parallel writes to the destination).')
param maximumInstanceCount int = 40

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName, application: 'clinicferry' }
var taskHubName = 'cf${replace(resourceToken, '-', '')}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourceGroup}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentity}${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.logAnalyticsWorkspace}${resourceToken}'
    appInsightsName: '${abbrs.applicationInsights}${resourceToken}'
    location: location
    tags: tags
  }
}

module network 'app/network.bicep' = if (vnetEnabled) {
  name: 'network'
  scope: rg
  params: {
    name: '${abbrs.virtualNetwork}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageAccount}${resourceToken}'
    location: location
    tags: tags
    vnetEnabled: vnetEnabled
    privateEndpointSubnetId: vnetEnabled ? network.outputs.privateEndpointSubnetId : ''
    stagingRetentionDays: stagingRetentionDays
    reportRetentionDays: reportRetentionDays
  }
}

module vault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVault}${resourceToken}'
    location: location
    tags: tags
    vnetEnabled: vnetEnabled
    privateEndpointSubnetId: vnetEnabled ? network.outputs.privateEndpointSubnetId : ''
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    keyVaultName: vault.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    identityPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
  }
}

module functionApp 'app/function.bicep' = {
  name: 'function'
  scope: rg
  dependsOn: [rbac]
  params: {
    appName: '${abbrs.functionApp}${resourceToken}'
    planName: '${abbrs.appServicePlan}${resourceToken}'
    location: location
    tags: union(tags, { 'azd-service-name': 'api' })
    hostingPlan: hostingPlan
    maximumInstanceCount: maximumInstanceCount
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    keyVaultName: vault.outputs.name
    taskHubName: taskHubName
    appSubnetId: vnetEnabled ? network.outputs.appSubnetId : ''
    dataverseUrl: dataverseUrl
    dataverseTenantId: dataverseTenantId
    fallbackOwnerEmail: fallbackOwnerEmail
    retentionDays: stagingRetentionDays
    authClientId: authClientId
  }
}

output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_URI string = functionApp.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = vault.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output DURABLE_TASK_HUB_NAME string = taskHubName
