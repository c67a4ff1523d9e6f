"""Migration 0080_tag_descriptions: A Korean description beside each tag's
English one (the browse pages show the page's language first), and the sets
of the backlot described in both, where no archivist has written one yet.

Frozen history: nothing here imports the archive's live code.
"""

NAME = "0080_tag_descriptions"

# (slug, English, Korean): what is known of each set as this step was written.
SET_DESCRIPTIONS = [
    ("chinese-street", "Shopfronts with signboards in Chinese characters, built for the studio's films set in China.",
     "한자 간판을 단 상점들이 늘어선 거리. 중국을 배경으로 한 영화를 위해 지었다."),
    ("japanese-street", "Wooden shophouses and signs in Japanese, standing in for Japan and the Japanese quarters "
     "of colonial cities.", "일본어 간판을 단 목조 상가가 늘어선 거리. 일본과 식민지 도시의 일본인 거리를 재현한다."),
    ("european-street", "Stone façades, cafés and shop windows standing in for a European city; a replica poster "
     "of The Seven Year Itch hangs here.",
     "석조 건물 외관과 카페, 진열창이 유럽의 도시를 재현한다. 「7년만의 외출」의 복제 포스터가 걸려 있다."),
    ("colonial-korean-street", "Korea under Japanese rule (1910–1945): shop signs in Hangul, Japanese and Chinese "
     "characters side by side.", "일제강점기(1910–1945)의 조선 거리. 한글과 일본어, 한자 간판이 나란히 걸려 있다."),
    ("south-korean-street", "The street the studio built to show South Korea in its films: bars, shops and "
     "hand-painted adverts in Hangul.",
     "영화 속 남조선을 보여 주려고 지은 거리. 술집과 상점, 한글로 그린 광고판이 늘어서 있다."),
    ("manchurian-street", "Manchuria in the 1930s, where many of the studio's films of the anti-Japanese struggle "
     "are set.", "1930년대 만주. 촬영소의 항일 투쟁 영화 여러 편의 무대가 된 거리."),
    ("railway", "A station and its track, with platform signs and carriages, for scenes of arrival and departure.",
     "역과 선로. 승강장 표지판과 객차가 있어 떠나고 도착하는 장면을 찍는다."),
    ("entrance-plaza", "Statues and mosaics in the square before the studio's gate.",
     "촬영소 정문 앞 광장의 동상과 모자이크."),
]
# Descriptions the seed wrote before this step: replaced, as no one chose them.
EARLIER_SEED = {"entrance-plaza": "Statues and mosaics."}


def apply(db):
    db.execute("ALTER TABLE tags ADD COLUMN description_ko TEXT NOT NULL DEFAULT ''")
    for slug, english, korean in SET_DESCRIPTIONS:
        db.execute(
            "UPDATE tags SET description = ? WHERE facet = 'set' AND slug = ? AND description IN ('', ?)",
            [english, slug, EARLIER_SEED.get(slug, "")],
        )
        db.execute("UPDATE tags SET description_ko = ? WHERE facet = 'set' AND slug = ? AND description_ko = ''",
                   [korean, slug])
