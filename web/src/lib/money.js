// Money is an integer of minor units plus an ISO-4217 currency (shared/api.md); the currency
// says how many minor digits it has.
const formats = new Map();

function formatFor(currency) {
  if (!formats.has(currency)) {
    try {
      formats.set(currency, new Intl.NumberFormat('en-US', { style: 'currency', currency }));
    } catch {
      formats.set(currency, null);  // not a currency Intl knows: shown as "12.34 XYZ"
    }
  }
  return formats.get(currency);
}

export function formatMoney(cents, currency = 'USD') {
  const format = formatFor(currency);
  const digits = format ? format.resolvedOptions().maximumFractionDigits : 2;
  const amount = cents / 10 ** digits;
  return format ? format.format(amount) : `${amount.toFixed(digits)} ${currency}`;
}

export function formatTime(rfc3339) {
  if (!rfc3339) return '';
  return new Date(rfc3339).toLocaleString('en-GB', {
    dateStyle: 'medium',
    timeStyle: 'medium',
  });
}

// A time of day to the millisecond: the events of one order are often within one second.
export function formatClock(rfc3339) {
  if (!rfc3339) return '';
  return new Date(rfc3339).toLocaleTimeString('en-GB', {
    hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3,
  });
}
