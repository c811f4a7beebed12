/**
 * Stream and app name rules (README "Parameters", docs/upstream.md § Names). Anchored ASCII allowlists,
 * checked on the decoded value, without the `m` flag (which would let `\n` split the anchors)
 * and without `u`/`i` (Unicode case folding). Everything else is rejected before any URL is built.
 */
export const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/
export const APP_NAME = /^[A-Za-z0-9_-]{1,50}$/

export const STREAM_NAME_RULE = 'stream_name must be 1-64 characters of A-Z a-z 0-9 _ -'
export const APP_NAME_RULE = 'app_name must be 1-50 characters of A-Z a-z 0-9 _ -'
