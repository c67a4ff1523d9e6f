"""Synthetic sign photos for bench/ocr.py: painted words in Korean, Chinese
(simplified and traditional), Japanese and English on a wall, as a camera
would see them.

Each photo is 2000 px on its long edge and shows one to three signs. A sign
is a painted board with one or two lines (columns when vertical) of one or
two words, in a Noto CJK face (sans or serif, regular or bold). The board is
rotated, warped in perspective and set on a wall with plaster stains and
clutter; the photo gets uneven light, a little blur and sensor noise and is
saved as JPEG at quality 70. All the painted text of a photo together covers
5-20 % of its area. Everything comes from the seed: photo n of a seed range
is the same picture on every machine that has the fonts.
"""

import io
import shutil
import subprocess
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

LONG_EDGE = 2000
JPEG_QUALITY = 70
TEXT_AREA = (0.05, 0.20)  # of the photo, all signs together

SCRIPTS = ("ko", "zh-hans", "zh-hant", "ja", "en")

# Words of the kind painted on the backlot's streets: shop signs, adverts,
# film titles and slogans. The same lists serve the tuning and held-out
# seeds: what is held out is the pictures, not the vocabulary.
WORDS = {
    "ko": """영화 극장 식당 다방 상점 맥주 담배 이발소 사진관 우체국 약국 여관 목욕탕 양복점 시계
        책방 과자 국수 냉면 만두 빵집 청량음료 소주 막걸리 조국 통일 만세 인민 영웅 승리 평화 건설
        노동 행복 꽃파는 처녀 도라지꽃 홍길동 내고향 김동무 비행기 하늘 바다 철도 정거장 안내 출구
        입구 환영 전진 학교 병원 은행 시장 호텔 공장 농장 청년 어린이 백화점 문방구 잡화 포목점
        신발 모자 우산 화장품 고무신 전기 수리 세탁소 미용실 주유소 백두산 금강산 대동강 평양""",
    "zh-hans": """茶馆 饭店 欢迎 光临 啤酒 电影 银行 药房 旅馆 照相馆 理发 邮局 商店 百货 书店 面馆
        饺子 包子 酒家 茶叶 香烟 糖果 钟表 布店 鞋店 米店 当铺 医院 学校 车站 东方 红旗 胜利 和平
        人民 万岁 友谊 劳动 光荣 幸福 发展 建设 中华 龙凤 长城 黄河 上海 北京 天津 南京 广州 食堂
        点心 烧饼 烤鸭 火锅 冷饮 汽水 牛奶 咖啡 西餐 电器 五金 文具 眼镜 服装 丝绸 瓷器""",
    "zh-hant": """茶館 飯店 歡迎 光臨 啤酒 電影 銀行 藥房 旅館 照相館 理髮 郵局 商店 百貨 書店 麵館
        餃子 包子 酒家 茶葉 香煙 糖果 鐘錶 布莊 鞋店 米店 當舖 醫院 學校 車站 東方 勝利 和平 萬歲
        友誼 勞動 光榮 幸福 發展 建設 中華 龍鳳 長城 黃河 上海 北京 廣州 食堂 點心 燒餅 烤鴨 火鍋
        冷飲 汽水 牛奶 咖啡 西餐 電器 五金 文具 眼鏡 服裝 絲綢 瓷器 當歸 戲院 大飯店 酒樓""",
    "ja": """ようこそ ラーメン うどん そば すし 喫茶店 映画館 ビール たばこ 酒屋 旅館 写真館 郵便局
        薬局 本屋 八百屋 魚屋 肉屋 花屋 床屋 銭湯 洋服店 時計店 菓子 団子 天ぷら 寿司 焼鳥 居酒屋
        営業中 本日 大売出し 特売 新発売 お土産 名物 銀座 浅草 大阪 東京 横浜 京都 神戸 さくら
        コーヒー ミルク ホテル デパート タクシー カメラ ラジオ テレビ パン ケーキ キャラメル""",
    "en": """CINEMA HOTEL BEER COFFEE BAR CAFE BANK PHARMACY BAKERY GROCERY TAILOR BARBER POST
        OFFICE STATION TOBACCO WINE DINER SALOON THEATRE SEVEN YEAR ITCH LOVE STORY ROMAN HOLIDAY
        CASABLANCA PRINCESS PALACE ROYAL GRAND CENTRAL MARKET STREET AVENUE COLA SODA MILK TEA
        LUNCH DINNER OPEN CLOSED WELCOME EXIT ENTRANCE TAXI GARAGE MOTOR SHOES HATS BOOKS MUSIC
        DANCE HALL CLUB INN PUB TAVERN HARBOUR FERRY EXPRESS DAILY NEWS TIMES LONDON PARIS BERLIN""",
}
WORDS = {script: text.split() for script, text in WORDS.items()}

# The face of a Noto CJK collection that draws each script as its readers
# expect (the collections hold JP, KR, SC, TC and HK in that order).
FACE_INDEX = {"ja": 0, "ko": 1, "zh-hans": 2, "zh-hant": 3, "en": 1}
FAMILIES = ("Noto Sans CJK JP:style=Regular", "Noto Sans CJK JP:style=Bold",
            "Noto Serif CJK JP:style=Regular", "Noto Serif CJK JP:style=Bold")

# Paint and board colours of signs: (board, paint).
PALETTES = [
    ((240, 236, 220), (180, 30, 30)), ((200, 30, 35), (250, 245, 230)), ((250, 210, 40), (20, 20, 20)),
    ((30, 60, 140), (245, 245, 245)), ((245, 245, 240), (20, 40, 110)), ((25, 25, 25), (240, 200, 60)),
    ((30, 100, 60), (250, 240, 210)), ((230, 215, 180), (70, 40, 20)), ((140, 20, 30), (240, 200, 90)),
]


@dataclass
class Sign:
    script: str
    words: list
    vertical: bool
    box: tuple = (0, 0, 0, 0)  # where the board stands on the photo: x0, y0, x1, y1


@dataclass
class Photo:
    seed: int
    jpeg: bytes
    signs: list = field(default_factory=list)

    @property
    def words(self):
        """(script, word) for every word painted on the photo."""
        return [(sign.script, word) for sign in self.signs for word in sign.words]


class FontsMissing(RuntimeError):
    pass


def font_files():
    """The Noto CJK collections, found through fontconfig."""
    if shutil.which("fc-match") is None:
        raise FontsMissing("fontconfig's fc-match is not installed (Debian: fontconfig)")
    files = []
    for family in FAMILIES:
        path = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True).stdout
        if "NotoS" not in path or "CJK" not in path:
            raise FontsMissing(f"no {family.split(':')[0]} font (Debian: fonts-noto-cjk)")
        files.append(path)
    return files


def _line_words(rng, script, count):
    return [str(w) for w in rng.choice(WORDS[script], size=count, replace=False)]


def _joiner(script):
    # Korean and English put spaces between words; Chinese and Japanese don't.
    return " " if script in ("ko", "en") else ""


def _draw_board(sign, lines, font, palette, rng):
    """The sign as an RGBA board, text painted on it, before any warp."""
    board_colour, paint = palette
    size = font.size
    gap = int(size * rng.uniform(0.25, 0.5))
    margin = int(size * rng.uniform(0.35, 0.8))
    if sign.vertical:
        columns = [list(line.replace(" ", "")) for line in lines]
        height = max(len(c) for c in columns) * int(size * 1.08) + 2 * margin
        width = len(columns) * size + (len(columns) - 1) * gap + 2 * margin
    else:
        widths = [int(font.getlength(line)) for line in lines]
        width = max(widths) + 2 * margin
        height = len(lines) * size + (len(lines) - 1) * gap + 2 * margin
    board = Image.new("RGBA", (width, height), board_colour + (255,))
    draw = ImageDraw.Draw(board)
    if sign.vertical:
        # Columns read right to left, as vertical CJK signs do.
        for i, column in enumerate(columns):
            x = width - margin - (i + 1) * size - i * gap + size // 2
            for j, ch in enumerate(column):
                draw.text((x, margin + j * int(size * 1.08) + size // 2), ch, font=font, fill=paint, anchor="mm")
    else:
        for i, line in enumerate(lines):
            draw.text((width // 2, margin + i * (size + gap) + size // 2), line, font=font, fill=paint,
                      anchor="mm")
    text_area = (width - 2 * margin) * (height - 2 * margin)
    return board, text_area


def _warped(board, rng, strength, angle):
    """The board seen from off to one side and hung askew: its corners moved
    by up to strength of its size, then turned by angle degrees, in one
    resampling."""
    w, h = board.size
    jitter = max(w, h) * strength
    corners = np.array([(0, 0), (w, 0), (w, h), (0, h)], float)
    moved = corners + rng.uniform(-jitter, jitter, corners.shape)
    turn = np.deg2rad(angle)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    moved = moved @ rotation.T
    moved -= moved.min(axis=0)
    size = tuple(int(v) + 1 for v in moved.max(axis=0))
    coeffs = _perspective_coefficients(moved.tolist(), corners.tolist())
    return board.transform(size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC,
                           fillcolor=(0, 0, 0, 0))


def _perspective_coefficients(target, source):
    # Pillow maps each output pixel back to the input: solve for that map.
    rows = []
    for (x, y), (u, v) in zip(target, source):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    rhs = np.array([c for point in source for c in point], float)
    return np.linalg.solve(np.array(rows, float), rhs).tolist()


def _blotches(rng, width, height, cell, amount):
    """Smooth random light and dark patches, cell px across, as float32."""
    small = rng.normal(0, amount, (height // cell + 2, width // cell + 2)).astype(np.float32)
    return np.asarray(Image.fromarray(small, "F").resize((width, height), Image.Resampling.BICUBIC))


def _wall(rng, width, height):
    """Plaster with stains, a few window and door shapes, pipes and wires."""
    base = rng.uniform(90, 210, 3).astype(np.float32)
    wall = base + _blotches(rng, width, height, 120, 18)[..., None] + rng.normal(0, 6, 3).astype(np.float32)
    image = Image.fromarray(np.clip(wall, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(3, 9))):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(60, 500)), int(rng.integers(60, 700))
        colour = tuple(int(c) for c in rng.uniform(20, 235, 3))
        if rng.random() < 0.5:
            draw.rectangle((x0, y0, x0 + w, y0 + h), fill=colour)
        else:
            draw.rectangle((x0, y0, x0 + w, y0 + h), outline=colour, width=int(rng.integers(4, 20)))
    for _ in range(int(rng.integers(2, 6))):
        points = [(int(rng.integers(0, width)), int(rng.integers(0, height))) for _ in range(2)]
        draw.line(points, fill=tuple(int(c) for c in rng.uniform(20, 120, 3)), width=int(rng.integers(2, 14)))
    return image


def _weathered(board, rng):
    """Paint faded in patches, as on a board that has stood outside for years."""
    w, h = board.size
    fade = np.clip(1 - np.abs(_blotches(rng, w, h, max(8, min(w, h) // 6), 0.25)), 0.55, 1)
    pixels = np.asarray(board.convert("RGB"), np.float32)
    ground = pixels[0, 0]
    pixels = ground + (pixels - ground) * fade[..., None]
    out = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).convert("RGBA")
    return out


def _finish(image, rng):
    """Uneven light, a little blur and sensor noise."""
    w, h = image.size
    angle = rng.uniform(0, 6.28)
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    light = 1 + np.float32(rng.uniform(0.1, 0.35)) * ((np.float32(np.cos(angle)) * x + np.float32(np.sin(angle)) * y) - 0.5)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.3)))
    noise = rng.standard_normal((h, w, 1), dtype=np.float32) * np.float32(rng.uniform(2, 7))
    pixels = np.asarray(image, np.float32) * light[..., None] + noise
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _placed(boxes, box):
    x0, y0, x1, y1 = box
    return all(x1 <= a or x0 >= c or y1 <= b or y0 >= d for a, b, c, d in boxes)


def make_photo(seed, fonts):
    """Photo number seed: its JPEG bytes and the words painted on it."""
    rng = np.random.default_rng(seed)
    width, height = (LONG_EDGE, LONG_EDGE * 3 // 4) if rng.random() < 0.7 else (LONG_EDGE * 3 // 4, LONG_EDGE)
    image = _wall(rng, width, height)
    count = int(rng.choice([1, 2, 2, 3]))
    share = rng.dirichlet(np.ones(count)) * rng.uniform(*TEXT_AREA) * width * height
    placed, signs = [], []
    for n in range(count):
        script = SCRIPTS[int(rng.integers(0, len(SCRIPTS)))]
        vertical = script != "en" and rng.random() < 0.3
        n_lines = int(rng.choice([1, 1, 2]))
        words = _line_words(rng, script, n_lines * int(rng.choice([1, 1, 2])))
        per_line = len(words) // n_lines
        lines = [_joiner(script).join(words[i * per_line:(i + 1) * per_line]) for i in range(n_lines)]
        sign = Sign(script, words, vertical)
        font_path = fonts[int(rng.integers(0, len(fonts)))]
        palette = PALETTES[int(rng.integers(0, len(PALETTES)))]
        # Draw at a trial size, then again at the size that gives the sign its share of text area.
        trial = ImageFont.truetype(font_path, 100, index=FACE_INDEX[script])
        _, area = _draw_board(sign, lines, trial, palette, np.random.default_rng(seed * 7 + n))
        size = max(12, int(100 * (share[n] / area) ** 0.5))
        font = ImageFont.truetype(font_path, size, index=FACE_INDEX[script])
        board, _ = _draw_board(sign, lines, font, palette, np.random.default_rng(seed * 7 + n))
        board = _weathered(board, rng)
        angle = rng.normal(0, 7) if rng.random() < 0.85 else rng.uniform(-25, 25)
        board = _warped(board, rng, rng.uniform(0.03, 0.15), angle)
        bw, bh = board.size
        if bw >= width or bh >= height:
            scale = 0.95 * min(width / bw, height / bh)
            board = board.resize((int(bw * scale), int(bh * scale)), Image.Resampling.LANCZOS)
            bw, bh = board.size
        for _ in range(60):
            x, y = int(rng.integers(0, width - bw + 1)), int(rng.integers(0, height - bh + 1))
            if _placed(placed, (x, y, x + bw, y + bh)):
                break
        else:
            continue  # no room left on this wall: the sign is not painted
        image.paste(board, (x, y), board)
        placed.append((x, y, x + bw, y + bh))
        sign.box = (x, y, x + bw, y + bh)
        signs.append(sign)
    image = _finish(image, rng)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY)
    return Photo(seed=seed, jpeg=out.getvalue(), signs=signs)
