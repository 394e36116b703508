#!/usr/bin/env bash
# The Entra app registration behind `azd up` (azure.yaml runs this before and after provisioning).
#
#   entra-app.sh preprovision    find or create the app registration and define its API: identifier URI, the six
#                                delegated scopes and the app roles of the same names, v2 access tokens, VS Code
#                                pre-authorized; and request Microsoft Graph's User.Read for the downstream API
#                                (the profile_get tool). Stores AZURE_AD_CLIENT_ID and AZURE_AD_TENANT_ID in the azd
#                                environment, from which main.parameters.json feeds the app settings to Bicep.
#   entra-app.sh postprovision   add what needs the provisioned resources: the redirect URI on the app's host name
#                                and the federated credential that lets the app's managed identity act as the app
#                                (so no client secret exists), then print the MCP URL and how to connect.
#
# Why a hook and not the Microsoft Graph Bicep extension: the extension's resource types are fetched from an OCI
# registry when the template is built, so `bicep build` of such a template cannot be checked without a network, and
# a mistake would first show in a live `azd up`. This script needs only `az` and `azd`, and
# FunctionApp.Tests/Infra runs it against stand-ins for both that record every call.
#
# Re-running is safe: the app is found by AZURE_AD_CLIENT_ID (or, the first time, by its display name), existing
# scope ids are reused, and redirect URIs, identifier URIs and scopes, roles or pre-authorized clients added by hand
# are kept. Plain bash and `az --query`: no jq, which a fresh machine may not have.
set -euo pipefail

readonly VSCODE_CLIENT_ID=aebc6443-996d-45c2-90f0-388ff96faa56
# Microsoft Graph, and its delegated permission User.Read (the same ids in every tenant).
readonly GRAPH_APP_ID=00000003-0000-0000-c000-000000000000
readonly GRAPH_USER_READ=e1fe6dd8-ba31-4d61-89e7-88639da4683d
readonly GRAPH=https://graph.microsoft.com/v1.0
readonly TAB=$'\t' CR=$'\r'
# FunctionApp/Auth/McpScopes.cs; each is both a delegated scope and an app role (for apps and users).
readonly SCOPES=(notes.read notes.write files.read files.write preferences.read preferences.write)
# The same list as a JMESPath expression (raw strings: no double quotes, which az.cmd mangles on Windows).
readonly SCOPES_JMESPATH="['notes.read', 'notes.write', 'files.read', 'files.write', 'preferences.read', 'preferences.write']"

PHASE=${1:-}
WORK=''
ENV_VALUES=''
CREATED=0

say() { printf 'entra-app: %s\n' "$*"; }

fail() {
    printf 'entra-app: error: %s\n' "$*" >&2
    exit 1
}

on_exit() {
    local status=$?
    if [[ -n $WORK ]]; then
        rm -rf "$WORK"
    fi
    if ((status != 0)); then
        printf 'entra-app: %s stopped (exit %s). Fix the cause above and run `azd up` again: every step is safe to repeat.\n' "${PHASE:-the hook}" "$status" >&2
    fi
}
trap on_exit EXIT

# az's output, without the carriage returns az.cmd prints under Git Bash on Windows.
az_out() {
    local out
    out=$(az "$@") || return $?
    printf '%s' "${out//"$CR"/}"
}

# Entra replicates a new app registration for a few seconds, so calls right after creating it may not find it yet:
# those are tried again. Any other failure is reported at once.
az_retrying() {
    local attempt
    for attempt in 1 2 3 4 5 6; do
        if az "$@" >/dev/null; then
            return 0
        fi
        if ((!CREATED || attempt == 6)); then
            return 1
        fi
        say "retrying in 5s (a new app registration takes a moment to replicate)"
        sleep 5
    done
}

# A path az can open: a Windows path when az is the Windows build run from Git Bash or MSYS.
file_arg() {
    if command -v cygpath >/dev/null 2>&1; then
        printf '@%s' "$(cygpath -w "$1")"
    else
        printf '@%s' "$1"
    fi
}

load_env() {
    command -v azd >/dev/null 2>&1 || fail "azd is not on the PATH."
    ENV_VALUES=$(azd env get-values) || fail "\`azd env get-values\` failed: run this from the project folder with an azd environment selected (azd env select <name>)."
    ENV_VALUES=${ENV_VALUES//"$CR"/}
}

# The value of $1 in the azd environment (`azd env get-values` prints NAME="value" lines), or empty.
env_value() {
    local line value
    while IFS= read -r line; do
        if [[ $line == "$1="* ]]; then
            value=${line#*=}
            value=${value#\"}
            printf '%s' "${value%\"}"
            return 0
        fi
    done <<<"$ENV_VALUES"
}

set_env_value() {
    if [[ $(env_value "$1") != "$2" ]]; then
        azd env set "$1" "$2" >/dev/null
        say "azd env: $1=$2"
    fi
}

# Sets TENANT_ID to the tenant az works in, after checking that az is signed in and, when azd has chosen a
# subscription, that az works in that subscription's tenant (the app must live where the managed identity lives).
require_signed_in_az() {
    command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is not on the PATH: install it (https://aka.ms/azure-cli), run 'az login', then run azd up again."
    TENANT_ID=$(az_out account show --query tenantId -o tsv) || TENANT_ID=''
    [[ -n $TENANT_ID ]] || fail "az is not signed in (or its sign-in expired). Run 'az login' (with --tenant <tenant id> for another directory), then run azd up again. azd's own sign-in (azd auth login) does not sign in az."

    local subscription subscription_tenant
    subscription=$(env_value AZURE_SUBSCRIPTION_ID)
    [[ -n $subscription ]] || return 0
    subscription_tenant=$(az_out account show --subscription "$subscription" --query tenantId -o tsv) \
        || fail "az cannot see subscription $subscription, which azd deploys to. Run 'az login --tenant <its tenant id>' and 'az account set --subscription $subscription'."
    [[ $subscription_tenant == "$TENANT_ID" ]] \
        || fail "az works in tenant $TENANT_ID, but subscription $subscription (azd's) belongs to tenant $subscription_tenant. Run 'az account set --subscription $subscription'."
}

# Sets APP_ID: the app registration named by AZURE_AD_CLIENT_ID, else the one called $1, else a new one.
find_or_create_app() {
    local name=$1 audience=$2 stored found count
    stored=$(env_value AZURE_AD_CLIENT_ID)
    if [[ -n $stored ]]; then
        found=$(az_out ad app list --filter "appId eq '$stored'" --query "[].appId" -o tsv)
        if [[ -n $found ]]; then
            APP_ID=$found
            say "app registration $APP_ID (AZURE_AD_CLIENT_ID)"
            return 0
        fi
        say "AZURE_AD_CLIENT_ID=$stored names no app registration in tenant $TENANT_ID; looking for '$name'"
    fi

    found=$(az_out ad app list --filter "displayName eq '$name'" --query "[].appId" -o tsv)
    count=0
    [[ -z $found ]] || count=$(printf '%s\n' "$found" | grep -c .)
    if ((count > 1)); then
        fail "$count app registrations are called '$name' ($(printf '%s' "$found" | tr '\n' ' ')). Choose one: azd env set AZURE_AD_CLIENT_ID <appId>, or name a new one: azd env set AZURE_AD_APP_DISPLAY_NAME <name>."
    fi
    if ((count == 1)); then
        APP_ID=$found
        say "app registration $APP_ID, found by its name '$name'"
        return 0
    fi

    APP_ID=$(az_out ad app create --display-name "$name" --sign-in-audience "$audience" --query appId -o tsv)
    [[ -n $APP_ID ]] || fail "az ad app create returned no appId."
    CREATED=1
    say "created app registration '$name' ($APP_ID)"
}

ensure_service_principal() {
    local found
    found=$(az_out ad sp list --filter "appId eq '$APP_ID'" --query "[].id" -o tsv)
    if [[ -z $found ]]; then
        # Users sign in to, and tokens are issued for, the app's service principal in the tenant.
        az_retrying ad sp create --id "$APP_ID" || fail "could not create the service principal of $APP_ID."
        say "created its service principal"
    fi
}

# The display texts of a scope, shared by the app role of the same value: Entra expects a permission offered both
# as a scope and as a role to have one id, display name and description.
describe_scope() {
    case $1 in
        notes.read) TITLE='Read notes' DESCRIPTION='Read the notes kept by this MCP server.' USER_TITLE='Read your notes' USER_DESCRIPTION='Lets the app read your notes on this MCP server.' ;;
        notes.write) TITLE='Write notes' DESCRIPTION='Create, change and delete the notes kept by this MCP server.' USER_TITLE='Create, change and delete your notes' USER_DESCRIPTION='Lets the app create, change and delete your notes on this MCP server.' ;;
        files.read) TITLE='Read files' DESCRIPTION='Read the files kept by this MCP server.' USER_TITLE='Read your files' USER_DESCRIPTION='Lets the app read your files on this MCP server.' ;;
        files.write) TITLE='Write files' DESCRIPTION='Create, change and delete the files kept by this MCP server.' USER_TITLE='Create, change and delete your files' USER_DESCRIPTION='Lets the app create, change and delete your files on this MCP server.' ;;
        preferences.read) TITLE='Read preferences' DESCRIPTION='Read the preferences kept by this MCP server.' USER_TITLE='Read your preferences' USER_DESCRIPTION='Lets the app read your preferences on this MCP server.' ;;
        preferences.write) TITLE='Write preferences' DESCRIPTION='Change the preferences kept by this MCP server.' USER_TITLE='Change your preferences' USER_DESCRIPTION='Lets the app change your preferences on this MCP server.' ;;
        *) fail "no description for scope $1" ;;
    esac
}

# A random version-4 GUID. It only has to be unique among this app's scopes and roles, so $RANDOM is enough and
# needs no uuidgen.
new_guid() {
    printf '%04x%04x-%04x-4%03x-%04x-%04x%04x%04x' \
        $RANDOM $RANDOM $RANDOM $((RANDOM & 0xfff)) $(((RANDOM & 0x3fff) | 0x8000)) $RANDOM $RANDOM $RANDOM
}

# The value in the second column of the tab-separated line whose first column is $1.
lookup() {
    local key=$1 table=$2 line
    while IFS= read -r line; do
        if [[ ${line%%"$TAB"*} == "$key" ]]; then
            printf '%s' "${line#*"$TAB"}"
            return 0
        fi
    done <<<"$table"
}

# The elements of a JSON array that az printed, without the brackets, for splicing into a larger array; empty for
# [] or null.
array_items() {
    local text=$1
    [[ $text == *'['*']'* ]] || return 0
    text=${text#*[}
    text=${text%]*}
    [[ $text == *[![:space:]]* ]] && printf '%s' "$text"
    return 0
}

# "a", "b" for the given words, the body of a JSON array of strings (no word here contains a quote).
json_strings() {
    local first=1 word
    for word in "$@"; do
        ((first)) || printf ', '
        printf '"%s"' "$word"
        first=0
    done
}

configure_api() {
    local audience=$1 existing_scopes='' existing_roles='' scope id scopes='' roles='' ids=() uris=''
    local other_scopes='' other_roles='' other_clients=''
    # A registration made a moment ago has none of these yet (and may not be readable yet).
    if ((!CREATED)); then
        existing_scopes=$(az_out ad app show --id "$APP_ID" --query "api.oauth2PermissionScopes[].[value, id]" -o tsv)
        existing_roles=$(az_out ad app show --id "$APP_ID" --query "appRoles[].[value, id]" -o tsv)
        # Scopes, roles and pre-authorized clients someone added by hand stay: a PATCH replaces whole collections.
        # (Each read is its own assignment, so that a failing az stops the script instead of dropping them.)
        other_scopes=$(az_out ad app show --id "$APP_ID" --query "api.oauth2PermissionScopes[?!contains($SCOPES_JMESPATH, value)]" -o json)
        other_scopes=$(array_items "$other_scopes")
        other_roles=$(az_out ad app show --id "$APP_ID" --query "appRoles[?!contains($SCOPES_JMESPATH, value)]" -o json)
        other_roles=$(array_items "$other_roles")
        other_clients=$(az_out ad app show --id "$APP_ID" --query "api.preAuthorizedApplications[?appId != '$VSCODE_CLIENT_ID']" -o json)
        other_clients=$(array_items "$other_clients")
        uris=$(az_out ad app show --id "$APP_ID" --query identifierUris -o tsv)
    fi

    for scope in "${SCOPES[@]}"; do
        id=$(lookup "$scope" "$existing_scopes")
        [[ -n $id ]] || id=$(lookup "$scope" "$existing_roles")
        [[ -n $id ]] || id=$(new_guid)
        ids+=("$id")
        describe_scope "$scope"
        scopes+="${scopes:+,
}    { \"id\": \"$id\", \"value\": \"$scope\", \"type\": \"User\", \"isEnabled\": true,
      \"adminConsentDisplayName\": \"$TITLE\", \"adminConsentDescription\": \"$DESCRIPTION\",
      \"userConsentDisplayName\": \"$USER_TITLE\", \"userConsentDescription\": \"$USER_DESCRIPTION\" }"
        roles+="${roles:+,
}    { \"id\": \"$id\", \"value\": \"$scope\", \"isEnabled\": true, \"allowedMemberTypes\": [\"Application\", \"User\"],
      \"displayName\": \"$TITLE\", \"description\": \"$DESCRIPTION\" }"
    done

    if ! grep -qx "api://$APP_ID" <<<"$uris"; then
        # shellcheck disable=SC2086 # one URI per line, none contains a space
        az_retrying ad app update --id "$APP_ID" --identifier-uris $uris "api://$APP_ID" || fail "could not set the identifier URI api://$APP_ID."
        say "identifier URI api://$APP_ID"
    fi

    local api="\"requestedAccessTokenVersion\": 2,
    \"oauth2PermissionScopes\": [
$scopes${other_scopes:+,
$other_scopes}
    ]"

    cat >"$WORK/api.json" <<EOF
{
  "signInAudience": "$audience",
  "api": {
    $api
  },
  "appRoles": [
$roles${other_roles:+,
$other_roles}
  ]
}
EOF
    az_retrying rest --method PATCH --uri "$GRAPH/applications(appId='$APP_ID')" \
        --headers Content-Type=application/json --body "$(file_arg "$WORK/api.json")" \
        || fail "could not define the scopes and app roles of $APP_ID (Microsoft Graph PATCH)."
    say "scopes and app roles: ${SCOPES[*]}; access tokens v2"

    # Entra accepts a pre-authorization only for scopes that already exist, hence a second PATCH.
    cat >"$WORK/pre-authorized.json" <<EOF
{
  "api": {
    $api,
    "preAuthorizedApplications": [
      { "appId": "$VSCODE_CLIENT_ID", "delegatedPermissionIds": [$(json_strings "${ids[@]}")] }${other_clients:+,
$other_clients}
    ]
  }
}
EOF
    az_retrying rest --method PATCH --uri "$GRAPH/applications(appId='$APP_ID')" \
        --headers Content-Type=application/json --body "$(file_arg "$WORK/pre-authorized.json")" \
        || fail "could not pre-authorize VS Code for $APP_ID (Microsoft Graph PATCH)."
    say "VS Code ($VSCODE_CLIENT_ID) pre-authorized for every scope"
}

# The profile_get tool reads the user's profile from Microsoft Graph as the user (DownstreamApi in the app settings),
# so the app asks for Graph's delegated User.Read, which users consent to themselves when they sign in.
ensure_graph_permission() {
    local requested=''
    if ((!CREATED)); then
        requested=$(az_out ad app show --id "$APP_ID" --query "requiredResourceAccess[?resourceAppId=='$GRAPH_APP_ID'].resourceAccess[].id" -o tsv)
    fi
    if grep -qx "$GRAPH_USER_READ" <<<"$requested"; then
        return 0
    fi
    az_retrying ad app permission add --id "$APP_ID" --api "$GRAPH_APP_ID" --api-permissions "$GRAPH_USER_READ=Scope" \
        || fail "could not request Microsoft Graph's User.Read permission for $APP_ID."
    say "Microsoft Graph User.Read (delegated) requested, for the profile_get tool"
}

preprovision() {
    load_env
    local env_name audience name
    env_name=$(env_value AZURE_ENV_NAME)
    [[ -n $env_name ]] || fail "the azd environment has no AZURE_ENV_NAME; create one with azd env new <name>."
    audience=$(env_value AZURE_AD_SIGN_IN_AUDIENCE)
    audience=${audience:-AzureADMyOrg}
    case $audience in
        AzureADMyOrg | AzureADMultipleOrgs) ;;
        *) fail "AZURE_AD_SIGN_IN_AUDIENCE=$audience: use AzureADMyOrg (this tenant, the default) or AzureADMultipleOrgs; the server accepts organizational accounts only." ;;
    esac
    name=$(env_value AZURE_AD_APP_DISPLAY_NAME)
    name=${name:-McpFunctions ($env_name)}
    [[ $name != *"'"* ]] || fail "AZURE_AD_APP_DISPLAY_NAME must not contain a quote."

    require_signed_in_az
    say "tenant $TENANT_ID"
    APP_ID=''
    find_or_create_app "$name" "$audience"
    ensure_service_principal
    configure_api "$audience"
    ensure_graph_permission

    set_env_value AZURE_AD_CLIENT_ID "$APP_ID"
    set_env_value AZURE_AD_TENANT_ID "$TENANT_ID"
}

add_redirect_uri() {
    local uri=$1 existing
    existing=$(az_out ad app show --id "$APP_ID" --query web.redirectUris -o tsv)
    if grep -qx "$uri" <<<"$existing"; then
        return 0
    fi
    # shellcheck disable=SC2086 # one URI per line, none contains a space
    az ad app update --id "$APP_ID" --web-redirect-uris $existing "$uri" >/dev/null \
        || fail "could not add the redirect URI $uri."
    say "redirect URI $uri"
}

# The app trusts tokens that Entra issues to the function app's managed identity for api://AzureADTokenExchange:
# Microsoft.Identity.Web presents one as the client assertion (SignedAssertionFromManagedIdentity).
ensure_federated_credential() {
    local name=$1 issuer=$2 subject=$3 existing id current_issuer current_subject
    existing=$(az_out ad app federated-credential list --id "$APP_ID" --query "[?name=='$name'].[id, issuer, subject]" -o tsv)
    cat >"$WORK/credential.json" <<EOF
{
  "name": "$name",
  "issuer": "$issuer",
  "subject": "$subject",
  "audiences": ["api://AzureADTokenExchange"],
  "description": "The managed identity of the function app of azd environment $ENV_NAME signs in as this app."
}
EOF
    if [[ -z $existing ]]; then
        az ad app federated-credential create --id "$APP_ID" --parameters "$(file_arg "$WORK/credential.json")" >/dev/null \
            || fail "could not create the federated credential $name."
        say "federated credential $name: $issuer, subject $subject"
        return 0
    fi

    IFS=$TAB read -r id current_issuer current_subject <<<"$existing"
    if [[ $current_issuer != "$issuer" || $current_subject != "$subject" ]]; then
        az ad app federated-credential update --id "$APP_ID" --federated-credential-id "$id" \
            --parameters "$(file_arg "$WORK/credential.json")" >/dev/null \
            || fail "could not update the federated credential $name."
        say "federated credential $name now trusts subject $subject"
    fi
}

postprovision() {
    load_env
    local host principal tenant login
    ENV_NAME=$(env_value AZURE_ENV_NAME)
    APP_ID=$(env_value AZURE_AD_CLIENT_ID)
    host=$(env_value AZURE_FUNCTION_APP_HOSTNAME)
    principal=$(env_value AZURE_FUNCTION_APP_IDENTITY_PRINCIPAL_ID)
    tenant=$(env_value AZURE_TENANT_ID)
    login=$(env_value AZURE_LOGIN_ENDPOINT)
    login=${login:-https://login.microsoftonline.com/}
    [[ -n $APP_ID ]] || fail "AZURE_AD_CLIENT_ID is not set: the preprovision step makes the app registration (azd hooks run preprovision)."
    [[ -n $host && -n $principal && -n $tenant ]] \
        || fail "AZURE_FUNCTION_APP_HOSTNAME, AZURE_FUNCTION_APP_IDENTITY_PRINCIPAL_ID or AZURE_TENANT_ID is missing: these are outputs of infra/main.bicep; run azd provision."

    require_signed_in_az
    add_redirect_uri "https://$host/signin-oidc"
    ensure_federated_credential "azd-${ENV_NAME//[^A-Za-z0-9_-]/-}" "${login%/}/$tenant/v2.0" "$principal"

    cat <<EOF

MCP server: https://$host/mcp   (sign-in: Entra ID, app registration $APP_ID)
  Claude:        Settings → Connectors → Add custom connector → paste the URL above.
  VS Code:       Command Palette → "MCP: Add Server…" → HTTP → paste the URL (VS Code is pre-authorized).
  MCP Inspector: npx @modelcontextprotocol/inspector → Transport "Streamable HTTP" → the URL → Connect.

EOF
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/entra-app.XXXXXX")
case $PHASE in
    preprovision) preprovision ;;
    postprovision) postprovision ;;
    *) fail "usage: entra-app.sh preprovision|postprovision" ;;
esac
