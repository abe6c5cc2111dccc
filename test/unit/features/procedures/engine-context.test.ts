import { describe, expect, it } from 'vitest';
import { createProcedureEngine, toSearchable } from '../../../../src/features/procedures/engine.js';
import { catalogProcedures } from '../../text/catalog.js';

// The catalog alone (no answered examples), so these test the rule, not the examples.
const engine = createProcedureEngine(catalogProcedures().map(toSearchable));

describe('a need decided elsewhere told as context', () => {
  it.each([
    [
      'Tháng trước tôi ra tòa ly hôn xong rồi, tòa xử con ở với tôi. Bây giờ tôi muốn đăng ký thường trú cho hai mẹ con ở nhà ngoại thì làm sao?',
      '1.004222',
    ],
    [
      'Nhà tôi bị trộm mất cái ví, đã báo công an rồi. Trong ví có thẻ căn cước, giờ tôi muốn cấp lại thẻ căn cước thì làm thế nào?',
      '1.014064',
    ],
    // No clause without the phrase asks on its own, but the rest names a commune procedure strongly.
    [
      'Tôi với người yêu cưới nhau, anh ấy đã ly hôn vợ cũ người Việt. Cả hai đều là người Việt ở trong nước. Đăng ký kết hôn cần bản án ly hôn không?',
      '1.000894',
    ],
  ])('offers the commune procedure that is asked: "%s"', (q, code) => {
    const r = engine.search(q, { limit: 5 });
    expect(r.decision).not.toBe('elsewhere');
    expect(r.results.slice(0, 3).map((h) => h.code)).toContain(code);
  });

  it.each([
    ['Hộ chiếu của tôi hết hạn rồi. Giờ tôi muốn làm hộ chiếu mới thì nộp ở đâu?', 'passport'],
    ['Vợ chồng tôi sống không hợp. Tôi muốn ly hôn thì nộp đơn ở đâu?', 'divorce'],
  ])('still sends elsewhere what is asked: "%s"', (q, id) => {
    const r = engine.search(q, { limit: 5 });
    expect(r.decision).toBe('elsewhere');
    expect(r.elsewhere?.id).toBe(id);
  });
});
