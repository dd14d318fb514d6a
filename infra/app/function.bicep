// The Function App: Python 3.11 on Flex Consumption (or Elastic Premium), HTTPS only, TLS 1.2+,
// identity-based storage, and destination secrets as Key Vault references only.
param appName string
param planName string
param location string
param tags object
@allowed(['FlexConsumption', 'ElasticPremium'])
param hostingPlan string
param maximumInstanceCount int
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerUrl string
param appInsightsConnectionString string
param keyVaultName string
param taskHubName string
param appSubnetId string
param dataverseUrl string
param dataverseTenantId string
param fallbackOwnerEmail string
@description('Days after which finished runs\' blobs and Durable histories are purged by the housekeeping timer.')
param retentionDays int
@description('Client id of the Entra app registration for App Service authentication; empty = function keys only.')
param authClientId string = ''

var isFlex = hostingPlan == 'FlexConsumption'

// Never secrets: names, URLs and ids. Credentials resolve from Key Vault with the app's identity.
var appSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  DURABLE_TASK_HUB_NAME: taskHubName
  CLINICFERRY_STORAGE_ACCOUNT: storageAccountName
  CLINICFERRY_STORAGE_CLIENT_ID: identityClientId
  CLINICFERRY_DATAVERSE_ORG_URL: dataverseUrl
  CLINICFERRY_DATAVERSE_TENANT_ID: dataverseTenantId
  // JSON list of application users ({client_id, client_secret} or certificate); secrets inside.
  CLINICFERRY_DATAVERSE_USERS: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=dataverse-application-users)'
  CLINICFERRY_SALESFORCE_JWT_PRIVATE_KEY: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=salesforce-jwt-key)'
  CLINICFERRY_FALLBACK_OWNER_EMAIL: fallbackOwnerEmail
  CLINICFERRY_RETENTION_DAYS: string(retentionDays)
  // With App Service authentication on, every portal call must carry an Entra principal.
  CLINICFERRY_REQUIRE_PRINCIPAL: empty(authClientId) ? 'false' : 'true'
  CLINICFERRY_HOUSEKEEPING_SCHEDULE: '0 30 2 * * *' // daily, 02:30 UTC (NCRONTAB, six fields)
  CLINICFERRY_DELTA_SCHEDULE: '0 */15 * * * *' // delta windows checked every 15 minutes (NCRONTAB)
  CLINICFERRY_REPORT_LINK_MINUTES: '15'
}
var premiumSettings = {
  FUNCTIONS_EXTENSION_VERSION: '~4'
  FUNCTIONS_WORKER_RUNTIME: 'python'
}

// Flex Consumption only: package from the private container, one always-ready durable instance.
var flexConfig = {
  deployment: {
    storage: {
      type: 'blobContainer'
      value: deploymentContainerUrl
      authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
    }
  }
  scaleAndConcurrency: {
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: 2048
    alwaysReady: [{ name: 'durable', instanceCount: 1 }]
  }
  runtime: { name: 'python', version: '3.11' }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225: zone redundancy is the customer's cost decision (Premium needs 3 instances); a run resumes from its durable history after a zone outage
  name: planName
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: isFlex ? { name: 'FC1', tier: 'FlexConsumption' } : { name: 'EP1', tier: 'ElasticPremium' }
  properties: {
    reserved: true
    maximumElasticWorkerCount: isFlex ? null : 20
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_222: the portal calls the API over the internet behind Easy Auth / function keys; with vnetEnabled storage and Key Vault are private
  // checkov:skip=CKV_AZURE_17: callers authenticate with Entra ID tokens, not client certificates
  // checkov:skip=CKV_AZURE_212: Durable state is in storage; a lost instance resumes from history, so one always-ready instance suffices
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: empty(appSubnetId) ? null : appSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      healthCheckPath: '/api/health'
      linuxFxVersion: isFlex ? null : 'Python|3.11'
      appSettings: [
        for setting in items(isFlex ? appSettings : union(appSettings, premiumSettings)): {
          name: setting.key
          value: setting.value
        }
      ]
    }
    functionAppConfig: isFlex ? flexConfig : null
  }
}

// Basic (publishing) credentials off: deployments use Entra ID.
resource ftp 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: { allow: false }
}

resource scm 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: { allow: false }
}

// App Service authentication (Easy Auth): Entra ID sign-in required, app roles
// Migration.Operator / Migration.Approver arrive in X-MS-CLIENT-PRINCIPAL for api/principal.py.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = if (!empty(authClientId)) {
  // checkov:skip=CKV_AZURE_66: site-config check misapplied to the authsettingsV2 resource (this resource is the authentication)
  // checkov:skip=CKV_AZURE_63: site-config check misapplied to the authsettingsV2 resource (this resource is the authentication)
  // checkov:skip=CKV_AZURE_222: site-config check misapplied to the authsettingsV2 resource (this resource is the authentication)
  // checkov:skip=CKV_AZURE_80: site-config check misapplied to the authsettingsV2 resource (this resource is the authentication)
  // checkov:skip=CKV_AZURE_13: site-config check misapplied to the authsettingsV2 resource (this resource is the authentication)
  // checkov:skip=CKV_AZURE_88: site-config check misapplied to the authsettingsV2 resource (this resource is the authentication)
  // checkov:skip=CKV_AZURE_65: site-config check misapplied to the authsettingsV2 resource (this resource is the authentication)
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: ['/api/health']
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: { allowedAudiences: ['api://${authClientId}'] }
      }
    }
    login: { tokenStore: { enabled: false } }
    httpSettings: { requireHttps: true }
  }
}

output name string = app.name
output uri string = 'https://${app.properties.defaultHostName}'
