// SPDX-License-Identifier: AGPL-3.0-or-later
// A foreign MME for osmo-eir's S13 tests, built on the npm package `diameter` (node-diameter 0.7.0, installed in
// contrib/peers/node_modules by contrib/install-deps.sh): CER, ME-Identity-Checks, DWR, DPR over TCP to
// 127.0.0.1. Prints one "ok - ..." / "not ok - ..." line per check; exits 1 on any failure or after a global
// timeout, 2 when the package cannot be loaded.
//
// usage: node mme.js PORT [MODE]
//   MODE "full" (default): CER, ECRs for every list, pair and IMEI form of the test store, DWR, DPR
//   MODE "unknown": CER, one ECR for an IMEI on no list (daemon with `default-verdict unknown`, expects
//                   Experimental-Result {10415, 5422} and no Equipment-Status), DPR
//   MODE "load STOPFILE MAXSEC": CER, then ECRs one after the other (black, grey, white, pair, range of the test
//                   store, each checked) until STOPFILE exists or MAXSEC seconds passed; then checks that none
//                   failed and none took longer than 1 s (the no-stall contract: an operator's edits or a feed
//                   apply never hold up the MME), prints the count and the slowest answer, DPR
//
// Traps of the package (docs/test-peers.md): commands and applications by name only (a numeric command code
// crashes it); it decodes one message per TCP read (so one request in flight at a time here); it answers no
// request itself (server-initiated DWR/DPR are answered in the 'diameterMessage' handler below); unknown AVPs
// or enum values in an answer make it throw, which surfaces as a socket 'error' and fails the run.
'use strict';

process.noDeprecation = true; // the package uses `new Buffer()`
const path = require('path');
const fs = require('fs');

const PORT = parseInt(process.argv[2], 10);
const MODE = process.argv[3] || 'full';
const STOPFILE = process.argv[4];
const MAXSEC = parseInt(process.argv[5] || '0', 10);
const GLOBAL_TIMEOUT_MS = MODE === 'load' ? (MAXSEC + 20) * 1000 : 20000;
const REQ_TIMEOUT_MS = 3000;
const ORIGIN_HOST = 'mme.example.org';
const REALM = 'example.org';
const EIR_HOST = 'eir.example.org';
const VENDOR_3GPP = 10415;
const APP_S13 = 16777252;

if (!(PORT > 0 && PORT < 65536) || (MODE !== 'full' && MODE !== 'unknown' && MODE !== 'load') ||
    (MODE === 'load' && (!STOPFILE || !(MAXSEC > 0 && MAXSEC <= 600)))) {
	console.error('usage: node mme.js PORT [full|unknown|load STOPFILE MAXSEC]');
	process.exit(2);
}

let diameter;
const modDir = process.env.DIAMETER_MODULE ||
	path.join(__dirname, '..', '..', 'contrib', 'peers', 'node_modules', 'diameter');
try {
	diameter = require(modDir);
} catch (err) {
	console.log('# cannot load the npm package diameter from ' + modDir + ': ' + err.message);
	process.exit(2);
}

let nOk = 0;
let nFail = 0;

function ok(desc) {
	nOk++;
	console.log('ok - ' + desc);
}

function notOk(desc, why) {
	nFail++;
	console.log('not ok - ' + desc + (why !== undefined ? ' (' + why + ')' : ''));
}

function check(desc, cond, why) {
	if (cond)
		ok(desc);
	else
		notOk(desc, why);
	return cond;
}

function done() {
	console.log('# mme.js: ' + nOk + ' ok, ' + nFail + ' not ok');
	process.exit(nFail === 0 ? 0 : 1);
}

const globalTimer = setTimeout(() => {
	notOk('the whole session finished within ' + GLOBAL_TIMEOUT_MS / 1000 + ' s');
	done();
}, GLOBAL_TIMEOUT_MS);

// first value of a top-level AVP (array form [name, value]); undefined if absent
function avp(body, name) {
	const a = body.find((x) => x[0] === name);
	return a === undefined ? undefined : a[1];
}

function count(body, name) {
	return body.filter((x) => x[0] === name).length;
}

function describe(body) {
	return JSON.stringify(body);
}

let sock;
let conn;
let peerEnded = false; // osmo-eir closed its side (FIN)
let closed = false;
let closeWaiters = [];
let sessionSeq = 0;
const sessionBase = ORIGIN_HOST + ';' + Math.floor(Date.now() / 1000) + ';';

function waitClosed(ms) {
	return new Promise((resolve) => {
		if (closed)
			return resolve(true);
		const t = setTimeout(() => resolve(false), ms);
		closeWaiters.push(() => {
			clearTimeout(t);
			resolve(true);
		});
	});
}

function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

// a base-protocol request: the package always adds a Session-Id, which CER/DWR/DPR do not have (RFC 6733 §5)
function baseRequest(command) {
	const req = conn.createRequest('Diameter Common Messages', command);
	req.body = req.body.filter((x) => x[0] !== 'Session-Id');
	return req;
}

async function send(req, what) {
	try {
		return await conn.sendRequest(req, REQ_TIMEOUT_MS);
	} catch (err) {
		notOk(what + ': answer received', String(err));
		return null;
	}
}

// the header and common AVPs of every answer
function checkAnswer(what, req, ans, proxiable) {
	const h = ans.header;
	check(what + ': answer header (R clear, E clear, P ' + (proxiable ? 'set' : 'clear') + ')',
	      !h.flags.request && !h.flags.error && h.flags.proxiable === proxiable &&
	      !h.flags.potentiallyRetransmitted, JSON.stringify(h.flags));
	check(what + ': command ' + req.header.commandCode + ', application ' + req.header.applicationId +
	      ', End-to-End copied', h.commandCode === req.header.commandCode &&
	      h.applicationId === req.header.applicationId && h.endToEndId === req.header.endToEndId,
	      JSON.stringify(h));
	check(what + ': Origin-Host ' + EIR_HOST + ', Origin-Realm ' + REALM,
	      avp(ans.body, 'Origin-Host') === EIR_HOST && avp(ans.body, 'Origin-Realm') === REALM, describe(ans.body));
}

async function cer() {
	const req = baseRequest('Capabilities-Exchange');
	req.body.push(
		['Origin-Host', ORIGIN_HOST],
		['Origin-Realm', REALM],
		['Host-IP-Address', '127.0.0.1'],
		['Vendor-Id', VENDOR_3GPP],
		['Product-Name', 'osmo-eir tests/s13/mme.js (node-diameter)'],
		['Origin-State-Id', Math.floor(Date.now() / 1000)],
		['Supported-Vendor-Id', VENDOR_3GPP],
		['Vendor-Specific-Application-Id', [['Vendor-Id', VENDOR_3GPP], ['Auth-Application-Id', APP_S13]]]
	);
	const ans = await send(req, 'CER');
	if (!ans)
		return false;
	checkAnswer('CEA', req, ans, false);
	const rc = check('CEA: Result-Code DIAMETER_SUCCESS (2001)', avp(ans.body, 'Result-Code') === 'DIAMETER_SUCCESS',
			 describe(ans.body));
	const vsai = avp(ans.body, 'Vendor-Specific-Application-Id') || [];
	check('CEA: Vendor-Specific-Application-Id {10415, 3GPP S13}',
	      avp(vsai, 'Vendor-Id') === VENDOR_3GPP && avp(vsai, 'Auth-Application-Id') === '3GPP S13', describe(vsai));
	check('CEA: Supported-Vendor-Id 10415, Host-IP-Address 127.0.0.1, Product-Name present',
	      avp(ans.body, 'Supported-Vendor-Id') === VENDOR_3GPP && avp(ans.body, 'Host-IP-Address') === '127.0.0.1' &&
	      typeof avp(ans.body, 'Product-Name') === 'string', describe(ans.body));
	return rc;
}

// one ECR; expect: 'WHITELISTED' | 'BLACKLISTED' | 'GREYLISTED' | 'UNKNOWN' (Experimental-Result 5422)
async function ecr(desc, imei, opts, expect) {
	const sessionId = sessionBase + (++sessionSeq);
	const req = conn.createRequest("3GPP S13/S13'", '3GPP-ME-Identity-Check', sessionId);
	req.header.flags.proxiable = true; // ECR: R|P (TS 29.272 §7.2.19)
	const ti = [['IMEI', imei]];
	if (opts.sv !== undefined)
		ti.push(['Software-Version', opts.sv]);
	req.body.push(
		['Vendor-Specific-Application-Id', [['Vendor-Id', VENDOR_3GPP], ['Auth-Application-Id', APP_S13]]],
		['Auth-Session-State', 'NO_STATE_MAINTAINED'],
		['Origin-Host', ORIGIN_HOST],
		['Origin-Realm', REALM]
	);
	if (opts.destHost)
		req.body.push(['Destination-Host', EIR_HOST]);
	req.body.push(['Destination-Realm', REALM], ['Terminal-Information', ti]);
	if (opts.imsi !== undefined)
		req.body.push(['User-Name', opts.imsi]);

	const what = 'ECA ' + desc;
	const ans = await send(req, 'ECR ' + desc);
	if (!ans)
		return;
	checkAnswer(what, req, ans, true);
	check(what + ': Session-Id echoed', avp(ans.body, 'Session-Id') === sessionId &&
	      count(ans.body, 'Session-Id') === 1 && ans.body[0][0] === 'Session-Id', describe(ans.body));
	check(what + ': Auth-Session-State NO_STATE_MAINTAINED',
	      avp(ans.body, 'Auth-Session-State') === 'NO_STATE_MAINTAINED', describe(ans.body));
	if (expect === 'UNKNOWN') {
		const er = avp(ans.body, 'Experimental-Result') || [];
		check(what + ': Experimental-Result {10415, DIAMETER_ERROR_EQUIPMENT_UNKNOWN 5422}',
		      avp(er, 'Vendor-Id') === VENDOR_3GPP &&
		      avp(er, 'Experimental-Result-Code') === 'DIAMETER_ERROR_EQUIPMENT_UNKNOWN', describe(ans.body));
		check(what + ': no Result-Code, no Equipment-Status',
		      count(ans.body, 'Result-Code') === 0 && count(ans.body, 'Equipment-Status') === 0,
		      describe(ans.body));
	} else {
		check(what + ': Result-Code DIAMETER_SUCCESS (2001), no Experimental-Result',
		      avp(ans.body, 'Result-Code') === 'DIAMETER_SUCCESS' && count(ans.body, 'Result-Code') === 1 &&
		      count(ans.body, 'Experimental-Result') === 0, describe(ans.body));
		check(what + ': Equipment-Status ' + expect, avp(ans.body, 'Equipment-Status') === expect &&
		      count(ans.body, 'Equipment-Status') === 1, describe(ans.body));
	}
}

async function dwr() {
	const req = baseRequest('Device-Watchdog');
	req.body.push(['Origin-Host', ORIGIN_HOST], ['Origin-Realm', REALM],
		      ['Origin-State-Id', Math.floor(Date.now() / 1000)]);
	const ans = await send(req, 'DWR');
	if (!ans)
		return;
	checkAnswer('DWA', req, ans, false);
	check('DWA: Result-Code DIAMETER_SUCCESS (2001)', avp(ans.body, 'Result-Code') === 'DIAMETER_SUCCESS',
	      describe(ans.body));
}

async function dpr() {
	const req = baseRequest('Disconnect-Peer');
	req.body.push(['Origin-Host', ORIGIN_HOST], ['Origin-Realm', REALM], ['Disconnect-Cause', 'REBOOTING']);
	const ans = await send(req, 'DPR');
	if (!ans)
		return;
	checkAnswer('DPA', req, ans, false);
	check('DPA: Result-Code DIAMETER_SUCCESS (2001)', avp(ans.body, 'Result-Code') === 'DIAMETER_SUCCESS',
	      describe(ans.body));
	// RFC 6733 §5.4: the receiver of the DPA (we) closes the transport; osmo-eir waits for that
	await sleep(300);
	check('osmo-eir keeps the connection open after its DPA (the DPA receiver closes)', !peerEnded && !closed);
	sock.end();
	check('connection closed (both directions) after we close it', await waitClosed(3000));
}

// ECRs back to back until told to stop; every answer is decoded and its verdict checked, quietly
async function load() {
	const cases = [
		['35693803564380', undefined, 'BLACKLISTED'], ['35000001000001', undefined, 'GREYLISTED'],
		['35000001000002', undefined, 'WHITELISTED'], ['35693803564380', '001010000000001', 'WHITELISTED'],
		['35000004000150', undefined, 'BLACKLISTED'],
	];
	const t0 = Date.now();
	let n = 0, failed = 0, late = 0, maxMs = 0, firstFail;

	while (!fs.existsSync(STOPFILE) && Date.now() - t0 < MAXSEC * 1000) {
		const c = cases[n % cases.length];
		const req = conn.createRequest("3GPP S13/S13'", '3GPP-ME-Identity-Check', sessionBase + (++sessionSeq));
		req.header.flags.proxiable = true;
		req.body.push(
			['Vendor-Specific-Application-Id', [['Vendor-Id', VENDOR_3GPP], ['Auth-Application-Id', APP_S13]]],
			['Auth-Session-State', 'NO_STATE_MAINTAINED'], ['Origin-Host', ORIGIN_HOST], ['Origin-Realm', REALM],
			['Destination-Realm', REALM], ['Terminal-Information', [['IMEI', c[0]]]]);
		if (c[1] !== undefined)
			req.body.push(['User-Name', c[1]]);
		const t = process.hrtime.bigint();
		let ans = null;
		try {
			ans = await conn.sendRequest(req, REQ_TIMEOUT_MS);
		} catch (err) {
			firstFail = firstFail || String(err);
		}
		const ms = Number(process.hrtime.bigint() - t) / 1e6;
		n++;
		maxMs = Math.max(maxMs, ms);
		if (ms > 1000)
			late++;
		if (!ans || avp(ans.body, 'Result-Code') !== 'DIAMETER_SUCCESS' || avp(ans.body, 'Equipment-Status') !== c[2]) {
			failed++;
			firstFail = firstFail || (c[0] + ' ' + (c[1] || '') + ': ' + (ans ? describe(ans.body) : 'no answer'));
		}
	}
	console.log('# load: ' + n + ' ECRs in ' + ((Date.now() - t0) / 1000).toFixed(1) + ' s, slowest answer ' +
		    maxMs.toFixed(1) + ' ms');
	check('load: ECRs were answered throughout (' + n + ')', n > 0);
	check('load: every answer right (' + failed + ' failed)', failed === 0, firstFail);
	check('load: no answer later than 1 s (slowest ' + maxMs.toFixed(1) + ' ms)', late === 0);
	check('load: stopped because told to, not by the time limit', fs.existsSync(STOPFILE));
}

async function session() {
	if (!await cer()) {
		notOk('capabilities exchange succeeded: nothing more to test');
		return;
	}
	if (MODE === 'load') {
		await load();
		await dpr();
		return;
	}
	if (MODE === 'unknown') {
		await ecr('IMEI on no list, default-verdict unknown', '35999999000001', {}, 'UNKNOWN');
		await dpr();
		return;
	}
	await ecr('black IMEI 35693803564380', '35693803564380', {}, 'BLACKLISTED');
	await ecr('grey IMEI 35000001000001', '35000001000001', {}, 'GREYLISTED');
	await ecr('white IMEI 35000001000002 (SV 05, Destination-Host)', '35000001000002',
		  { sv: '05', destHost: true }, 'WHITELISTED');
	await ecr('IMEI on no list 35999999000001 (default policy)', '35999999000001', {}, 'WHITELISTED');
	await ecr('black IMEI with the paired IMSI 001010000000001', '35693803564380',
		  { imsi: '001010000000001' }, 'WHITELISTED');
	await ecr('black IMEI with another IMSI 001010000000002', '35693803564380',
		  { imsi: '001010000000002' }, 'BLACKLISTED');
	await ecr('15-digit black IMEI 356938035643809', '356938035643809', {}, 'BLACKLISTED');
	await ecr('IMEISV 3500000100000107 of the grey IMEI', '3500000100000107', {}, 'GREYLISTED');
	await ecr('IMEI 35000004000150 in the black range', '35000004000150', {}, 'BLACKLISTED');
	await ecr('IMEI 35000004000200 just past the black range', '35000004000200', {}, 'WHITELISTED');
	await dwr();
	await dpr();
}

sock = diameter.createConnection({ host: '127.0.0.1', port: PORT }, () => {
	conn = sock.diameterConnection;
	// the package starts Hop-by-Hop at a random 32-bit value and counts up without wrapping: keep it in range
	conn.hopByHopIdCounter %= 0x80000000;
	session().then(() => {
		clearTimeout(globalTimer);
		done();
	}, (err) => {
		notOk('session ran without an exception', err && err.stack ? err.stack : String(err));
		done();
	});
});

// requests from osmo-eir (its watchdog, or its DPR when it shuts down): answer them as a peer must
sock.on('diameterMessage', (ev) => {
	const cmd = ev.message.command;
	if (cmd === 'Device-Watchdog' || cmd === 'Disconnect-Peer') {
		console.log('# osmo-eir sent a ' + cmd + ' request: answered');
		ev.response.body = ev.response.body.filter((x) => x[0] !== 'Session-Id').concat([
			['Result-Code', 'DIAMETER_SUCCESS'],
			['Origin-Host', ORIGIN_HOST],
			['Origin-Realm', REALM]
		]);
		ev.callback(ev.response);
	} else {
		notOk('osmo-eir sent only requests an MME expects', 'got ' + cmd);
	}
});

sock.on('end', () => {
	peerEnded = true;
});

sock.on('close', () => {
	closed = true;
	closeWaiters.forEach((f) => f());
	closeWaiters = [];
});

sock.on('error', (err) => {
	// connection refused/reset, or the package failed to decode a message from osmo-eir
	notOk('no socket or decode error', err && err.message ? err.message : String(err));
	done();
});
