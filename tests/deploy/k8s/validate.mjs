// Validates rendered Kubernetes manifests (kubectl kustomize deploy/k8s) offline, three ways:
//   1. each object against the Kubernetes API's OpenAPI schema (kubernetes-models: types,
//      required fields, enums, formats);
//   2. no field the API does not know (TypeScript's excess-property check against
//      kubernetes-types: a misspelt `readinesProbe` would be dropped by the API server silently);
//   3. what Mart's deployment needs (one writer per database, probes, limits, a restricted
//      security context, every reference resolving).
// Usage: node validate.mjs RENDERED.yaml; exits 1 with one line per problem.
import { readFileSync } from "node:fs";
import ts from "typescript";
import { parseAllDocuments } from "yaml";

const modules = ["users", "products", "orders", "payments", "inventory", "notifications"];

// kustomize folds a long base64 value over lines; the API server's decoder skips the newlines,
// the schema's "byte" format does not.
function unfoldSecretData(object) {
  if (object.kind !== "Secret" || !object.data) return object;
  const data = Object.fromEntries(Object.entries(object.data).map(([k, v]) => [k, v.replace(/\s+/g, "")]));
  return { ...object, data };
}

async function schemaProblems(object, where) {
  const group = object.apiVersion.includes("/") ? object.apiVersion : `${object.apiVersion}`;
  let Model;
  try {
    Model = (await import(`kubernetes-models/${group}/${object.kind}`))[object.kind];
  } catch {
    return [`${where}: no schema for ${object.apiVersion} ${object.kind}`];
  }
  try {
    new Model(unfoldSecretData(object)).validate();
    return [];
  } catch (error) {
    return [`${where}: ${error.message.replace(/\s+/g, " ")}`];
  }
}

const typeImports = {
  v1: "kubernetes-types/core/v1",
  "apps/v1": "kubernetes-types/apps/v1",
};

function unknownFieldProblems(objects) {
  const lines = [];
  const used = new Map();
  objects.forEach((object, i) => {
    const module = typeImports[object.apiVersion];
    if (!module) return;
    used.set(`${module}:${object.kind}`, [module, object.kind]);
    lines.push(`export const r${i}: ${object.kind} = ${JSON.stringify(object, null, 1)};`);
  });
  const imports = [...used.values()].map(([module, kind]) => `import type { ${kind} } from "${module}";`);
  const source = [...imports, ...lines].join("\n");
  // A file that exists only in memory, beside node_modules so that the imports resolve.
  const fileName = new URL("rendered-manifests.ts", import.meta.url).pathname;
  const options = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022,
                    module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Node10,
                    types: [] };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (f) => (f === fileName ? source : readFile(f));
  host.fileExists = (f) => f === fileName || fileExists(f);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, " ");
    if (!d.file) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const owner = d.file.text.split("\n").slice(0, line + 1).reverse().find((l) => l.startsWith("export const r"));
    const index = owner ? Number(owner.match(/^export const r(\d+)/)[1]) : -1;
    const o = objects[index];
    return `${o ? `${o.kind}/${o.metadata?.name}` : "?"}: ${text}`;
  });
}

function podProblems(where, pod) {
  const problems = [];
  const podContext = pod.securityContext ?? {};
  if (podContext.runAsNonRoot !== true) problems.push(`${where}: runAsNonRoot is not true`);
  if (podContext.seccompProfile?.type !== "RuntimeDefault") problems.push(`${where}: no RuntimeDefault seccomp profile`);
  for (const c of pod.containers) {
    const s = c.securityContext ?? {};
    if (s.readOnlyRootFilesystem !== true) problems.push(`${where}/${c.name}: root filesystem not read-only`);
    if (s.allowPrivilegeEscalation !== false) problems.push(`${where}/${c.name}: privilege escalation allowed`);
    if (!(s.capabilities?.drop ?? []).includes("ALL")) problems.push(`${where}/${c.name}: capabilities not dropped`);
    if (c.readinessProbe?.httpGet?.path !== "/readyz") problems.push(`${where}/${c.name}: readiness is not /readyz`);
    if (c.livenessProbe?.httpGet?.path !== "/healthz") problems.push(`${where}/${c.name}: liveness is not /healthz`);
    for (const kind of ["requests", "limits"]) {
      if (!c.resources?.[kind]?.memory) problems.push(`${where}/${c.name}: no memory ${kind}`);
    }
    if (!c.resources?.requests?.cpu) problems.push(`${where}/${c.name}: no cpu request`);
  }
  return problems;
}

function deploymentProblems(objects) {
  const problems = [];
  const named = (kind) => new Set(objects.filter((o) => o.kind === kind).map((o) => o.metadata.name));
  const services = named("Service"), secrets = named("Secret"), configMaps = named("ConfigMap");
  const hosted = [];
  for (const o of objects) {
    if (o.kind !== "StatefulSet" && o.kind !== "Deployment") continue;
    const where = `${o.kind}/${o.metadata.name}`;
    const pod = o.spec.template.spec;
    const args = pod.containers[0].args ?? [];
    const list = args[args.indexOf("--modules") + 1];
    problems.push(...podProblems(where, pod));
    if (o.kind === "StatefulSet") {
      if (o.spec.replicas !== 1) problems.push(`${where}: replicas ${o.spec.replicas}, not 1 (SQLite: one writer)`);
      if (!o.spec.volumeClaimTemplates?.length) problems.push(`${where}: no persistent volume`);
      if (!services.has(o.spec.serviceName)) problems.push(`${where}: service ${o.spec.serviceName} missing`);
      hosted.push(...list.split(","));
    } else if (list !== "none") {
      problems.push(`${where}: a Deployment hosts modules (${list}); only the gateway may scale`);
    } else {
      for (let i = 0; i < args.length; ++i) {
        if (args[i] !== "--upstream") continue;
        const host = new URL(args[i + 1].split("=")[1]).hostname;
        if (!services.has(host)) problems.push(`${where}: upstream ${args[i + 1]} names no Service`);
      }
    }
    for (const c of pod.containers) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref && !secrets.has(ref.name)) problems.push(`${where}: secret ${ref.name} missing`);
      }
      for (const e of c.envFrom ?? []) {
        if (e.configMapRef && !configMaps.has(e.configMapRef.name)) problems.push(`${where}: config map ${e.configMapRef.name} missing`);
      }
    }
  }
  const sorted = [...hosted].sort().join(",");
  if (sorted !== [...modules].sort().join(",")) {
    problems.push(`the StatefulSets host [${sorted}], not each of the six modules once`);
  }
  return problems;
}

export async function validate(text) {
  const objects = parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
  const problems = [];
  for (const o of objects) problems.push(...(await schemaProblems(o, `${o.kind}/${o.metadata?.name}`)));
  problems.push(...unknownFieldProblems(objects));
  problems.push(...deploymentProblems(objects));
  return { objects, problems };
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const { objects, problems } = await validate(readFileSync(process.argv[2], "utf8"));
  for (const p of problems) console.log(p);
  if (problems.length) process.exit(1);
  const kinds = objects.map((o) => o.kind).sort().join(", ");
  console.log(`${objects.length} objects valid (${kinds})`);
}
