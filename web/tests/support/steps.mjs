// Steps a person takes in the pages, shared by the browser tests.
import assert from 'node:assert/strict';

export async function signUp(page, { name, email, password }) {
  await page.goto('/signup');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export async function signIn(page, path, { email, password }) {
  await page.goto(path);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

// Adds `product` to the cart from the catalogue's search results.
export async function addFromSearch(page, words, productName) {
  await page.goto('/');
  await page.getByLabel('Search the catalogue').fill(words);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('heading', { name: `Results for “${words}”` }).waitFor();
  await page.getByRole('button', { name: `Add ${productName} to the cart` }).click();
}

export async function checkout(page, token) {
  await page.goto('/checkout');
  await page.getByLabel('Payment token').fill(token);
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.waitForURL(/\/orders\/\d+$/);
  return Number(new URL(page.url()).pathname.split('/').pop());
}

export const orderStatus = (page) => page.locator('.order-status .status');

export function noTroubles(troubles) {
  assert.deepEqual(troubles, [], 'the page had no CSP violation, error or foreign request');
}
