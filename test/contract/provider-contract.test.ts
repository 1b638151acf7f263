import { runContractSuite } from "./contract-suite.js";
import { providerCases } from "./provider-cases.js";

for (const providerCase of providerCases) runContractSuite(providerCase);
