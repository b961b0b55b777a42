// htm bound to Preact: templates are tagged literals, and every interpolated value is a text node
// or a property, never parsed as markup, so text from users is shown as text.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
