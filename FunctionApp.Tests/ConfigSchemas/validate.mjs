// Validates one configuration file against the schema vendored beside this script, offline.
//   node validate.mjs <host|local-settings|azure-yaml> <file>
// Prints {"valid": bool, "errors": [...]} on stdout; exits 0 when valid, 1 when not, 2 when it cannot check.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import Ajv2019 from "ajv/dist/2019.js";
import AjvDraft04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import { parse as parseYaml } from "yaml";

// The tests must never reach the network; fail loudly if anything here tries.
globalThis.fetch = () => {
  throw new Error("network access is not allowed while validating configuration");
};

const here = dirname(fileURLToPath(import.meta.url));
const readJson = (name) => JSON.parse(readFileSync(join(here, name), "utf8"));

// azure.yaml.json $refs these for azure.ai.* / Foundry service hosts only. They are not vendored, so
// permissive stubs stand in: such services are not checked in depth, everything else is.
const azureDevExtensions = "https://raw.githubusercontent.com/Azure/azure-dev/main/cli/azd/extensions/";
const azureYamlRemoteSchemas = [
  "azure.ai.agents/schemas/azure.ai.agent.json",
  "azure.ai.agents/schemas/microsoft.foundry.json",
  "azure.ai.projects/schemas/azure.ai.project.json",
  "azure.ai.connections/schemas/azure.ai.connection.json",
  "azure.ai.toolboxes/schemas/azure.ai.toolbox.json",
  "azure.ai.skills/schemas/azure.ai.skill.json",
  "azure.ai.routines/schemas/azure.ai.routine.json",
].map((path) => azureDevExtensions + path);

// strict: false because SchemaStore schemas carry editor-only keywords (markdownDescription, examples...).
const options = { allErrors: true, strict: false };

const kinds = {
  host: () => ({ ajv: new Ajv(options), schema: readJson("host.json.schema.json"), parse: JSON.parse }),
  "local-settings": () => ({ ajv: new AjvDraft04(options), schema: readJson("local.settings.schema.json"), parse: JSON.parse }),
  "azure-yaml": () => {
    const ajv = new Ajv2019(options);
    for (const url of azureYamlRemoteSchemas) {
      ajv.addSchema({ $id: url }, url);
    }
    return { ajv, schema: readJson("azure.yaml.schema.json"), parse: parseYaml };
  },
};

const [kind, file] = process.argv.slice(2);
if (!kinds[kind] || !file) {
  console.error(`usage: node validate.mjs <${Object.keys(kinds).join("|")}> <file>`);
  process.exit(2);
}

let result;
try {
  const { ajv, schema, parse } = kinds[kind]();
  addFormats(ajv);
  const validate = ajv.compile(schema);
  const document = parse(readFileSync(file, "utf8"));
  const valid = validate(document);
  result = {
    valid,
    errors: (validate.errors ?? []).map((e) => ({ path: e.instancePath, keyword: e.keyword, message: e.message, params: e.params })),
  };
} catch (e) {
  console.error(`cannot validate ${file} as ${kind}: ${e.message}`);
  process.exit(2);
}

console.log(JSON.stringify(result));
process.exit(result.valid ? 0 : 1);
