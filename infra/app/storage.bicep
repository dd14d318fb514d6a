// The dedicated storage account: Durable task hub (queues, tables, blobs), audit ledger, run state,
// staging and reports. Shared keys are disabled; every client authenticates with Entra ID.
param name string
param location string
param tags object
param vnetEnabled bool
param privateEndpointSubnetId string
param stagingRetentionDays int
param reportRetentionDays int
@allowed(['Standard_GZRS', 'Standard_RAGZRS', 'Standard_ZRS'])
@description('GZRS by default; ZRS where the region has no paired region inside the data-residency boundary.')
param skuName string = 'Standard_GZRS'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV_AZURE_35: default action is Deny whenever vnetEnabled; without a VNet the app reaches storage publicly, with Entra ID only (shared keys off)
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: skuName }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: vnetEnabled ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: vnetEnabled ? 'Deny' : 'Allow'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: { enabled: true, keyType: 'Account' }
        file: { enabled: true, keyType: 'Account' }
        queue: { enabled: true, keyType: 'Account' }
        table: { enabled: true, keyType: 'Account' }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: { enabled: true, days: 7 }
    containerDeleteRetentionPolicy: { enabled: true, days: 7 }
  }
}

// Private containers: no public access level on any of them.
resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for container in ['staging', 'reports', 'app-package']: {
    parent: blobService
    name: container
    properties: { publicAccess: 'None' }
  }
]

// Retention: staged PHI (pages, before-images, documents) and reports are deleted on a schedule.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          enabled: true
          name: 'delete-staging'
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['staging/'] }
            actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: stagingRetentionDays } } }
          }
        }
        {
          enabled: true
          name: 'delete-reports'
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['reports/'] }
            actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: reportRetentionDays } } }
          }
        }
      ]
    }
  }
}

var privateServices = vnetEnabled ? ['blob', 'queue', 'table'] : []

resource privateDnsZones 'Microsoft.Network/privateDnsZones@2020-06-01' = [
  for service in privateServices: {
    name: 'privatelink.${service}.${environment().suffixes.storage}'
    location: 'global'
    tags: tags
  }
]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2023-11-01' = [
  for (service, i) in privateServices: {
    name: 'pe-${name}-${service}'
    location: location
    tags: tags
    properties: {
      subnet: { id: privateEndpointSubnetId }
      privateLinkServiceConnections: [
        {
          name: '${service}-connection'
          properties: { privateLinkServiceId: account.id, groupIds: [service] }
        }
      ]
    }
  }
]

resource dnsGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-11-01' = [
  for (service, i) in privateServices: {
    parent: privateEndpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        { name: service, properties: { privateDnsZoneId: privateDnsZones[i].id } }
      ]
    }
  }
]

output name string = account.name
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}app-package'
