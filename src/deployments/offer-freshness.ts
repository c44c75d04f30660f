// How old an offer may be and still be deployed: older, its price and availability are no longer known.
export const OFFER_FRESH_MS = 10 * 60_000;
