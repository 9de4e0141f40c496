// Loop control for the Artillery scenarios in this directory: every
// virtual user repeats its send/receive (or emit/ack) step until
// BENCH_SECONDS (default 20) after this module loaded, like wsbench's
// `duration` and echoloop's -duration.
"use strict";

const deadline = Date.now() + 1000 * Number(process.env.BENCH_SECONDS || 20);

function running(context, next) {
  return next(Date.now() < deadline);
}

module.exports = { running };
