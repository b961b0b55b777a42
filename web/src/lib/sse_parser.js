// The Server-Sent Events format (WHATWG HTML, "event stream interpretation") read from text in
// arbitrary pieces, as a fetch() body arrives: lines end in CRLF, LF or CR; a blank line ends a
// frame; a line starting with ':' is a comment (the server's keep-alive). Pure, so node can test it.
export class SseParser {
  // onFrame({id, event, data}) once per frame that has data; `lastEventId` carries over frames
  // (and reconnects) as the format says.
  constructor(onFrame, lastEventId = '') {
    this.onFrame = onFrame;
    this.lastEventId = lastEventId;
    this.retry = null;
    this.pending = '';
    this.data = [];
    this.event = '';
  }

  push(text) {
    const buffer = this.pending + text;
    const breaks = /\r\n|\r|\n/g;
    let start = 0;
    let found;
    while ((found = breaks.exec(buffer)) !== null) {
      // A CR at the very end may be the first half of a CRLF split across two pieces.
      if (found[0] === '\r' && found.index === buffer.length - 1) break;
      this.line(buffer.slice(start, found.index));
      start = breaks.lastIndex;
    }
    this.pending = buffer.slice(start);
  }

  line(line) {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
  }

  dispatch() {
    if (this.data.length) {
      this.onFrame({ id: this.lastEventId, event: this.event || 'message', data: this.data.join('\n') });
    }
    this.data = [];
    this.event = '';
  }
}
