#!/usr/bin/env node
// SPDX-License-Identifier: AGPL-3.0-or-later
// Validates answers of osmo-eir's N5g-eir server against doc/schemas/*.json with ajv (contrib/peers).
// Usage: node validate.js SCHEMA_DIR FILE...; each FILE holds one JSON body and is named *.EirResponseData.json or
// *.ProblemDetails.json. Prints "ok FILE" or "FAIL FILE: errors"; exits 1 if any failed.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');

const [dir, ...files] = process.argv.slice(2);
const ajv = new Ajv({ allErrors: true, strict: true });
const validators = {};
for (const name of ['EirResponseData', 'ProblemDetails'])
	validators[name] = ajv.compile(JSON.parse(fs.readFileSync(path.join(dir, name + '.json'), 'utf8')));

let failed = 0;
for (const f of files) {
	const kind = path.basename(f).split('.').slice(-2)[0];
	const v = validators[kind];
	let body;
	try {
		body = JSON.parse(fs.readFileSync(f, 'utf8'));
	} catch (e) {
		console.log(`FAIL ${f}: not JSON: ${e.message}`);
		failed++;
		continue;
	}
	if (!v) {
		console.log(`FAIL ${f}: no schema ${kind}`);
		failed++;
	} else if (v(body)) {
		console.log(`ok ${path.basename(f)}`);
	} else {
		console.log(`FAIL ${path.basename(f)}: ${ajv.errorsText(v.errors)}`);
		failed++;
	}
}
process.exit(failed ? 1 : 0);
