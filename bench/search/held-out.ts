/**
 * A second, smaller question set written before the engine's decline rules
 * and off-topic lexicon were tuned, and never used to tune them. The bench
 * reports it separately so overfitting to QUESTIONS shows up.
 */
import type { BenchQuestion } from './questions.js';

export const HELD_OUT: BenchQuestion[] = [
  { q: 'hôm nay trời nóng quá', expected: null, tags: ['oos'] },
  { q: 'dự báo bão tuần này', expected: null, tags: ['oos'] },
  { q: 'tỉ số trận Việt Nam Indonesia', expected: null, tags: ['oos'] },
  { q: 'giá lúa hôm nay bao nhiêu một ký', expected: null, tags: ['oos'] },
  { q: 'cách làm bánh chưng', expected: null, tags: ['oos'] },
  { q: 'ở đâu bán điện thoại rẻ', expected: null, tags: ['oos'] },
  { q: 'tôi buồn quá muốn tâm sự', expected: null, tags: ['oos'] },
  { q: 'bạn thông minh thật', expected: null, tags: ['oos'] },
  { q: 'chủ tịch ủy ban xã tên gì', expected: null, tags: ['oos'] },
  { q: 'mấy giờ rồi', expected: null, tags: ['oos'] },
  { q: 'hát cho tôi nghe một bài', expected: null, tags: ['oos'] },
  { q: 'đường về quê có tắc không', expected: null, tags: ['oos'] },
  { q: 'xe buýt số 5 mấy giờ chạy', expected: null, tags: ['oos'] },
  { q: 'nhà bên cạnh nuôi chó sủa cả đêm', expected: null, tags: ['oos'] },
  { q: 'trường mầm non nào tốt', expected: null, tags: ['oos'] },
  { q: 'cách trồng rau sạch', expected: null, tags: ['oos'] },
  { q: 'ai vô địch world cup 2022', expected: null, tags: ['oos'] },
  { q: 'tiền điện tháng này sao cao thế', expected: null, tags: ['oos'] },
  { q: 'wifi nhà tôi bị chậm', expected: null, tags: ['oos'] },
  { q: 'mua gà ở đâu ngon', expected: null, tags: ['oos'] },
  { q: 'đăng ký khai sinh cho con gái', expected: ['1.001193'], tags: ['ho-tich'] },
  { q: 'lam the can cuoc cho con 10 tuoi', expected: ['1.014062'], tags: ['can-cuoc', 'no-diacritics'] },
  { q: 'làm giấy chứng tử cho bà ngoại', expected: ['1.000656'], tags: ['ho-tich', 'colloquial'] },
  { q: 'công chứng sổ đỏ photo', expected: ['2.000815'], tags: ['chung-thuc', 'colloquial'] },
  { q: 'đăng ký tạm trú cho sinh viên thuê trọ', expected: ['1.004194'], tags: ['cu-tru'] },
  { q: 'xin giấy phép xây dựng nhà cấp 4', expected: ['1.013225'], tags: ['xay-dung'] },
  { q: 'kết hôn với người Nhật', expected: ['2.000806'], tags: ['ho-tich', 'variant'] },
  { q: 'nhập khẩu cho con về nhà ông bà', expected: ['1.004222'], tags: ['cu-tru', 'colloquial'] },
  { q: 'bán hàng online có phải đăng ký hộ kinh doanh không', expected: ['1.001612'], tags: ['hkd'] },
  {
    q: 'xác nhận tình trạng hôn nhân để kết hôn với người nước ngoài',
    expected: ['1.004873'],
    tags: ['ho-tich', 'variant'],
  },
];
