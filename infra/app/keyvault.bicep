// Key Vault in RBAC mode for destination credentials (Dataverse client secret or certificate,
// Salesforce JWT key). Secrets are put here by an administrator, never by this template or the app.
param name string
param location string
param tags object
param vnetEnabled bool
param privateEndpointSubnetId string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: firewall denies by default whenever vnetEnabled; without a VNet access is RBAC-only
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: vnetEnabled ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: vnetEnabled ? 'Deny' : 'Allow'
    }
  }
}

resource dnsZone 'Microsoft.Network/privateDnsZones@2020-06-01' = if (vnetEnabled) {
  name: 'privatelink.vaultcore.azure.net'
  location: 'global'
  tags: tags
}

resource endpoint 'Microsoft.Network/privateEndpoints@2023-11-01' = if (vnetEnabled) {
  name: 'pe-${name}'
  location: location
  tags: tags
  properties: {
    subnet: { id: privateEndpointSubnetId }
    privateLinkServiceConnections: [
      { name: 'vault-connection', properties: { privateLinkServiceId: vault.id, groupIds: ['vault'] } }
    ]
  }
}

resource dnsGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-11-01' = if (vnetEnabled) {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [{ name: 'vault', properties: { privateDnsZoneId: dnsZone.id } }]
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
