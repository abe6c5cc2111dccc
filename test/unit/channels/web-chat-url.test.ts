import { describe, expect, it } from 'vitest';
import { webChatUrlFor } from '../../../src/channels/web/index.js';

describe('webChatUrlFor', () => {
  it('links the default commune to the root and every other commune to its own page', () => {
    expect(webChatUrlFor('https://xa-mau.example.vn/', undefined)).toBe('https://xa-mau.example.vn/');
    expect(webChatUrlFor('https://tinh.example.vn', 'xa-binh-an')).toBe('https://tinh.example.vn/?commune=xa-binh-an');
  });

  it('has no link without a public URL', () => {
    expect(webChatUrlFor(undefined, 'xa-binh-an')).toBeUndefined();
  });
});
