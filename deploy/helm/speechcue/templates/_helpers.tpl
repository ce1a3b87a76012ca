{{/* Names, labels and the pieces every workload shares. */}}

{{- define "speechcue.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "speechcue.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The name of one component's objects: <fullname>-<component>. */}}
{{- define "speechcue.componentName" -}}
{{- printf "%s-%s" (include "speechcue.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "speechcue.selectorLabels" -}}
app.kubernetes.io/name: {{ include "speechcue.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{- define "speechcue.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "speechcue.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: speechcue
{{- end -}}

{{- define "speechcue.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "speechcue.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "speechcue.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "speechcue.secretName" -}}
{{- default (printf "%s-secrets" (include "speechcue.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/*
The long-running services this release deploys, as YAML: the services map, plus the sandbox when
enabled, each with the same fields. Templates read it with `include ... | fromYaml`.
*/}}
{{- define "speechcue.deployedServices" -}}
{{- $deployed := dict -}}
{{- range $name, $service := .Values.services -}}
{{- $_ := set $deployed $name (merge (dict "database" true) (deepCopy $service)) -}}
{{- end -}}
{{- if .Values.sandbox.enabled -}}
{{- $fullname := include "speechcue.fullname" . -}}
{{- $env := dict "SANDBOX_TIME_SCALE" (toString .Values.sandbox.timeScale) -}}
{{- with .Values.services.payments -}}
{{- $_ := set $env "SANDBOX_DYNOPAY_WEBHOOK_URL" (printf "http://%s-payments:%v%s" $fullname .httpPort .webhookPath) -}}
{{- end -}}
{{- with .Values.services.bot -}}
{{- $_ := set $env "SANDBOX_TELEGRAM_WEBHOOK_URL" (printf "http://%s-bot:%v%s" $fullname .httpPort .webhookPath) -}}
{{- end -}}
{{- $_ := set $deployed "sandbox" (dict
    "replicas" 1 "grpcPort" 0 "httpPort" .Values.sandbox.httpPort "webhookPath" "" "internetEgress" false
    "talksTo" (list) "database" false
    "secretKeys" (list "TELEGRAM_BOT_TOKEN" "TELEGRAM_WEBHOOK_SECRET" "RETELL_API_KEY" "DYNOPAY_API_KEY" "DYNOPAY_WALLET_TOKEN" "DYNOPAY_WEBHOOK_SECRET")
    "env" (merge (deepCopy .Values.sandbox.env) $env) "resources" .Values.sandbox.resources
    "autoscaling" (dict "enabled" false)) -}}
{{- end -}}
{{- toYaml $deployed -}}
{{- end -}}

{{- define "speechcue.grpcAddress" -}}
{{- $service := index .root.Values.services .name -}}
{{- printf "%s:%v" (include "speechcue.componentName" (dict "root" .root "component" .name)) $service.grpcPort -}}
{{- end -}}

{{- define "speechcue.sandboxUrl" -}}
{{- printf "http://%s:%v" (include "speechcue.componentName" (dict "root" . "component" "sandbox")) .Values.sandbox.httpPort -}}
{{- end -}}

{{/*
The non-secret environment of one service (dict root, name, service), as a YAML map: ConfigMap
data, and inlined by the migration Job because hooks run before the ConfigMaps exist.
*/}}
{{- define "speechcue.serviceConfig" -}}
{{- $root := .root -}}
{{- $service := .service -}}
SPEECHCUE_ENV: {{ $root.Values.environment | quote }}
SPEECHCUE_LOG_LEVEL: {{ $root.Values.logLevel | quote }}
SPEECHCUE_HTTP_HOST: "0.0.0.0"
SPEECHCUE_HTTP_PORT: {{ $service.httpPort | quote }}
{{- if $service.database }}
SPEECHCUE_NATS_URL: {{ $root.Values.natsUrl | quote }}
SPEECHCUE_NATS_STREAM_REPLICAS: {{ $root.Values.nats.streamReplicas | quote }}
{{- with $root.Values.nats.tls }}
{{- if .caSecret }}
SPEECHCUE_NATS_TLS_CA_FILE: {{ printf "/etc/speechcue/nats-ca/%s" .caKey | quote }}
{{- end }}
{{- end }}
{{- with $root.Values.postgresql.tls }}
{{- if .sslMode }}
PGSSLMODE: {{ .sslMode | quote }}
{{- end }}
{{- if .caSecret }}
PGSSLROOTCERT: {{ printf "/etc/speechcue/postgresql-ca/%s" .caKey | quote }}
{{- end }}
{{- end }}
SPEECHCUE_NATS_USER: {{ .name | quote }}
SPEECHCUE_ADMIN_TELEGRAM_IDS: {{ $root.Values.adminTelegramIds | quote }}
SPEECHCUE_PUBLIC_BASE_URL: {{ $root.Values.publicBaseUrl | quote }}
{{- end }}
{{- if $service.grpcPort }}
SPEECHCUE_GRPC_HOST: "0.0.0.0"
SPEECHCUE_GRPC_PORT: {{ $service.grpcPort | quote }}
{{- end }}
{{- range $other := $service.talksTo }}
{{ upper $other }}_GRPC_ADDR: {{ include "speechcue.grpcAddress" (dict "root" $root "name" $other) | quote }}
{{- end }}
{{- if $service.internetEgress }}
{{- if $root.Values.sandbox.enabled }}
TELEGRAM_API_BASE_URL: {{ include "speechcue.sandboxUrl" $root | quote }}
RETELL_BASE_URL: {{ include "speechcue.sandboxUrl" $root | quote }}
DYNOPAY_BASE_URL: {{ include "speechcue.sandboxUrl" $root | quote }}
{{- else }}
TELEGRAM_API_BASE_URL: {{ $root.Values.providers.telegramApiBaseUrl | quote }}
RETELL_BASE_URL: {{ $root.Values.providers.retellBaseUrl | quote }}
DYNOPAY_BASE_URL: {{ $root.Values.providers.dynopayBaseUrl | quote }}
{{- end }}
{{- end }}
{{- range $key, $value := $service.env }}
{{ $key }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* secretKeyRef entries for one service (dict root, name, service): its keys and its database URL. */}}
{{- define "speechcue.secretEnv" -}}
{{- $root := .root -}}
{{- range $key := .service.secretKeys }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ include "speechcue.secretName" $root }}
      key: {{ $key }}
{{- end }}
{{- /* Who may call it (every service), and its own caller token (a service that calls others). */}}
{{- if .service.database }}
- name: SPEECHCUE_CALLER_TOKEN_HASHES
  valueFrom:
    secretKeyRef:
      name: {{ include "speechcue.secretName" $root }}
      key: CALLER_TOKEN_HASHES
{{- end }}
{{- if .service.talksTo }}
- name: SPEECHCUE_CALLER_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "speechcue.secretName" $root }}
      key: {{ upper .name }}_CALLER_TOKEN
{{- end }}
{{- if .service.database }}
- name: SPEECHCUE_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "speechcue.secretName" $root }}
      key: {{ upper .name }}_DATABASE_URL
- name: SPEECHCUE_NATS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "speechcue.secretName" $root }}
      key: {{ upper .name }}_NATS_PASSWORD
{{- end }}
{{- end -}}

{{/* The hardened container context, resources and /tmp mount every container gets. */}}
{{- define "speechcue.containerBasics" -}}
image: {{ include "speechcue.image" .root }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
securityContext:
  {{- toYaml .root.Values.containerSecurityContext | nindent 2 }}
resources:
  {{- toYaml .resources | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- if .tls }}
{{- if .root.Values.nats.tls.caSecret }}
  - name: nats-ca
    mountPath: /etc/speechcue/nats-ca
    readOnly: true
{{- end }}
{{- if .root.Values.postgresql.tls.caSecret }}
  - name: postgresql-ca
    mountPath: /etc/speechcue/postgresql-ca
    readOnly: true
{{- end }}
{{- end }}
{{- end -}}

{{/* Pod-level hardening. The migration hook runs before the release's ServiceAccount exists, so
it passes serviceAccount=false and runs under the namespace's default one (no token either way). */}}
{{- define "speechcue.podSecurity" -}}
automountServiceAccountToken: false
{{- if .serviceAccount }}
serviceAccountName: {{ include "speechcue.serviceAccountName" .root }}
{{- end }}
{{- with .root }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "speechcue.scheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "speechcue.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}

{{/* The CAs of NATS and PostgreSQL, for the pods that connect to them (containerBasics with tls). */}}
{{- define "speechcue.tlsVolumes" -}}
{{- with .Values.nats.tls.caSecret }}
- name: nats-ca
  secret:
    secretName: {{ . }}
    items:
      - {key: {{ $.Values.nats.tls.caKey }}, path: {{ $.Values.nats.tls.caKey }}}
{{- end }}
{{- with .Values.postgresql.tls.caSecret }}
- name: postgresql-ca
  secret:
    secretName: {{ . }}
    items:
      - {key: {{ $.Values.postgresql.tls.caKey }}, path: {{ $.Values.postgresql.tls.caKey }}}
{{- end }}
{{- end -}}


{{- define "speechcue.checksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | printf "%s%s" (include "speechcue.secretName" .) | sha256sum }}
{{- end -}}
