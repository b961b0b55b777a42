// Proves validate.mjs can fail: each mutation of the rendered manifests (a misspelt field, a
// wrong type, a second writer, a writable root filesystem, a dangling reference, a missing
// module) must be reported. Usage: node selftest.mjs RENDERED.yaml
import { readFileSync } from "node:fs";
import { parseAllDocuments, stringify } from "yaml";
import { validate } from "./validate.mjs";

const text = readFileSync(process.argv[2], "utf8");
const find = (objects, kind, name) =>
  objects.find((o) => o.kind === kind && (!name || o.metadata.name === name));
const container = (o) => o.spec.template.spec.containers[0];

const mutations = {
  "a misspelt field": (os) => {
    const c = container(find(os, "StatefulSet"));
    c.readinesProbe = c.readinessProbe;
    delete c.readinessProbe;
  },
  "an unknown field": (os) => { find(os, "Deployment").spec.template.spec.hostNetwrk = true; },
  "a wrong type": (os) => { find(os, "Deployment").spec.replicas = "two"; },
  "an unknown enum value": (os) => { find(os, "StatefulSet").spec.podManagementPolicy = "Eager"; },
  "two replicas of a module process": (os) => { find(os, "StatefulSet").spec.replicas = 2; },
  "a writable root filesystem": (os) => { container(find(os, "Deployment")).securityContext.readOnlyRootFilesystem = false; },
  "an upstream naming no service": (os) => {
    const args = container(find(os, "Deployment")).args;
    args[args.indexOf("--upstream") + 1] = "users=http://users:8080";
  },
  "a module hosted nowhere": (os) => {
    const args = container(find(os, "StatefulSet", "orders-payments")).args;
    args[args.indexOf("--modules") + 1] = "orders";
  },
  "no memory limit": (os) => { delete container(find(os, "StatefulSet")).resources.limits; },
};

let failed = 0;
for (const [name, mutate] of Object.entries(mutations)) {
  const objects = parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
  mutate(objects);
  const { problems } = await validate(objects.map((o) => stringify(o)).join("---\n"));
  if (problems.length === 0) {
    console.log(`NOT CAUGHT: ${name}`);
    failed++;
  }
}
const clean = await validate(text);
if (clean.problems.length) {
  console.log(`the unmutated manifests fail: ${clean.problems.join("; ")}`);
  failed++;
}
console.log(`${Object.keys(mutations).length - failed} of ${Object.keys(mutations).length} broken variants caught`);
process.exit(failed ? 1 : 0);
