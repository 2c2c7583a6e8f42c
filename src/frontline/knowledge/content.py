# ruff: noqa: E501 - long sentences of demo text read better unbroken
"""Demo content: country notes for the 11 key countries of early 2020 and a few policies.

Everything here is written as a starting point for the office's team and is loaded as
"waiting for review": a reviewer must check each fact (above all the embassy addresses and
telephone numbers, which change) before it is approved. Telephone numbers are given only
where they were well known; the rest are left for the team to fill from official sources.

The eleventh country is Switzerland: in March 2020 it had one of the highest numbers of
cases per inhabitant in Europe, and its nationals in Beijing returned through the transfer
point like those of the other ten.
"""

# (code, name_zh, name_en, phone, {lang: {section: text}})
NOTES = [
    ("IT", "意大利", "Italy", "", {
        "zh-hans": {
            "greetings": "初次见面握手并注视对方；熟人之间常行贴面礼，工作人员握手即可。称呼用“先生/女士”加姓，例如 Signor Rossi、Signora Bianchi。",
            "name_order": "名在前、姓在后（Marco ROSSI）；证件上姓氏常大写。",
            "religion_diet": "多数信奉天主教。饮食以面食、米饭、橄榄油为主，习惯喝咖啡；晚餐时间较晚。",
            "gestures_taboos": "说话时手势丰富，属正常表达。菊花多用于葬礼，不宜赠送；避免谈论黑手党等刻板印象。",
            "holidays": "圣诞节、复活节、6月2日共和国日、8月15日八月节。",
            "language_tips": "你好：Buongiorno；谢谢：Grazie；请：Per favore。多数年轻人能讲英语。",
            "embassy_address": "北京市朝阳区三里屯东二街2号",
        },
        "en": {
            "greetings": "Shake hands with eye contact on first meeting; friends kiss on both cheeks, staff simply shake hands. Address people as Signor / Signora with the family name.",
            "name_order": "Given name first, family name last (Marco ROSSI); documents often print the family name in capitals.",
            "religion_diet": "Mostly Catholic. Pasta, rice and olive oil; coffee matters; dinner is eaten late.",
            "gestures_taboos": "Lively hand gestures are normal. Chrysanthemums are funeral flowers: do not give them. Avoid stereotypes such as the Mafia.",
            "holidays": "Christmas, Easter, Republic Day (2 June), Ferragosto (15 August).",
            "language_tips": "Hello: Buongiorno; thank you: Grazie; please: Per favore. Many young people speak English.",
            "embassy_address": "2 Sanlitun Dong Er Jie, Chaoyang District, Beijing",
        },
    }),
    ("KR", "韩国", "South Korea", "", {
        "zh-hans": {
            "greetings": "见面点头或鞠躬，握手时可用左手托住右前臂以示尊敬。称呼用姓加职务或“先生/女士”（씨、님）。",
            "name_order": "姓在前、名在后（KIM Minjun）；已婚女性不改姓。",
            "religion_diet": "基督教、佛教或无宗教信仰。饮食偏辣，常吃泡菜和米饭；重视长幼顺序，长辈先动筷。",
            "gestures_taboos": "递接物品请用双手。数字“4”被视为不吉利；不要用红笔写人名。",
            "holidays": "春节（설날）、中秋（추석）、8月15日光复节。",
            "language_tips": "你好：안녕하세요（annyeonghaseyo）；谢谢：감사합니다（gamsahamnida）。",
            "embassy_address": "北京市朝阳区亮马桥北小街20号",
        },
        "en": {
            "greetings": "A nod or bow; when shaking hands, supporting the right forearm with the left hand shows respect. Use the family name with a title or -ssi / -nim.",
            "name_order": "Family name first (KIM Minjun); married women keep their own family name.",
            "religion_diet": "Christian, Buddhist or no religion. Spicy food, kimchi and rice; elders start eating first.",
            "gestures_taboos": "Give and receive with both hands. The number 4 is unlucky; never write a person's name in red ink.",
            "holidays": "Lunar New Year (Seollal), Chuseok (autumn harvest festival), Liberation Day (15 August).",
            "language_tips": "Hello: annyeonghaseyo; thank you: gamsahamnida.",
            "embassy_address": "20 Liangmaqiao Beixiaojie, Chaoyang District, Beijing",
        },
    }),
    ("JP", "日本", "Japan", "", {
        "zh-hans": {
            "greetings": "见面鞠躬，鞠躬的深浅表示尊敬程度；称呼用姓加“さん”，不要直呼名字。",
            "name_order": "日文中姓在前、名在后（田中 陽菜）；护照拼音同样先姓后名。",
            "religion_diet": "神道教与佛教并存，宗教禁忌较少。以米饭、鱼、汤为主，重视清淡与卫生。",
            "gestures_taboos": "递接名片、文件用双手。避免数字“4”和“9”；不要把筷子竖插在米饭中。说话音量宜低。",
            "holidays": "元旦（1月1日至3日）、4月底至5月初黄金周、8月中旬盂兰盆节。",
            "language_tips": "你好：こんにちは（konnichiwa）；谢谢：ありがとうございます（arigatou gozaimasu）。汉字书面沟通常有帮助。",
            "embassy_address": "北京市朝阳区亮马桥东街1号",
        },
        "en": {
            "greetings": "Bow; a deeper bow shows more respect. Use the family name with -san, never the given name alone.",
            "name_order": "Family name first in Japanese (TANAKA Hina); passports also print the family name first.",
            "religion_diet": "Shinto and Buddhist traditions with few food taboos. Rice, fish and soup; cleanliness is valued.",
            "gestures_taboos": "Hand over cards and papers with both hands. Avoid the numbers 4 and 9; never stand chopsticks upright in rice. Speak quietly.",
            "holidays": "New Year (1 to 3 January), Golden Week (late April to early May), Obon (mid August).",
            "language_tips": "Hello: konnichiwa; thank you: arigatou gozaimasu. Written Chinese characters often help.",
            "embassy_address": "1 Liangmaqiao Dongjie, Chaoyang District, Beijing",
        },
    }),
    ("IR", "伊朗", "Iran", "", {
        "zh-hans": {
            "greetings": "同性之间握手；异性之间不要主动握手或身体接触，等对方先伸手。称呼用“先生/女士”（Agha/Khanom）加姓。",
            "name_order": "名在前、姓在后。",
            "religion_diet": "多数信奉伊斯兰教什叶派：不吃猪肉、不饮酒，肉类需清真。斋月期间白天禁食，餐食应安排在日出前和日落后。",
            "gestures_taboos": "竖大拇指被视为冒犯；递物请用右手。“客套”（taarof）文化：对方起初推辞不一定是真的拒绝，可再问一次。",
            "holidays": "诺鲁孜节（波斯新年，约3月21日起约两周）、斋月及开斋节、阿舒拉节（哀悼日，不宜喜庆）。",
            "language_tips": "你好：سلام（salam）；谢谢：ممنون（mamnun）或 مرسی（merci）。波斯语从右向左书写。",
            "embassy_address": "北京市朝阳区三里屯东六街13号",
        },
        "en": {
            "greetings": "Men shake hands with men, women with women; between men and women wait for the other to offer a hand. Address people as Agha (Mr) / Khanom (Mrs) with the family name.",
            "name_order": "Given name first, family name last.",
            "religion_diet": "Mostly Shia Muslim: no pork, no alcohol, halal meat. During Ramadan people fast by day: serve meals before dawn and after sunset.",
            "gestures_taboos": "A thumbs-up is offensive; hand things over with the right hand. Taarof (ritual politeness): a first refusal may not be meant, so offer again.",
            "holidays": "Nowruz (Persian New Year, from about 21 March for two weeks), Ramadan and Eid al-Fitr, Ashura (a day of mourning).",
            "language_tips": "Hello: salam; thank you: mamnun or merci. Persian is written right to left.",
            "embassy_address": "13 Dongliujie, Sanlitun, Chaoyang District, Beijing",
        },
    }),
    ("FR", "法国", "France", "", {
        "zh-hans": {
            "greetings": "先说“Bonjour”再开始谈话，这点很重要；工作场合握手。称呼用 Monsieur / Madame 加姓。",
            "name_order": "名在前、姓在后；证件上姓氏常大写（Louis MARTIN）。",
            "religion_diet": "天主教传统，社会世俗化；也有穆斯林和犹太教徒。重视用餐时间和面包、奶酪。",
            "gestures_taboos": "守时、礼貌用语（s'il vous plaît、merci）受重视；不宜询问收入、宗教等私人问题。",
            "holidays": "7月14日国庆节、圣诞节、复活节。",
            "language_tips": "你好：Bonjour；谢谢：Merci；请：S'il vous plaît。",
            "embassy_address": "北京市朝阳区天泽路60号",
        },
        "en": {
            "greetings": "Always start with 'Bonjour' before anything else; shake hands at work. Use Monsieur / Madame with the family name.",
            "name_order": "Given name first; documents print the family name in capitals (Louis MARTIN).",
            "religion_diet": "Catholic tradition in a secular society; also Muslims and Jews. Meal times, bread and cheese matter.",
            "gestures_taboos": "Punctuality and 's'il vous plaît' / 'merci' are valued; do not ask about income or religion.",
            "holidays": "Bastille Day (14 July), Christmas, Easter.",
            "language_tips": "Hello: Bonjour; thank you: Merci; please: S'il vous plaît.",
            "embassy_address": "60 Tianze Road, Chaoyang District, Beijing",
        },
    }),
    ("ES", "西班牙", "Spain", "", {
        "zh-hans": {
            "greetings": "握手；熟人之间贴面礼。称呼用 Señor / Señora 加姓。",
            "name_order": "名在前，后接两个姓：父姓在前、母姓在后（Lucía GARCÍA LÓPEZ）；称呼时用第一个姓。",
            "religion_diet": "天主教传统。用餐时间晚：午餐约14点，晚餐约21点以后。",
            "gestures_taboos": "交谈距离较近属正常。不宜批评斗牛或地区问题（如加泰罗尼亚）。",
            "holidays": "圣诞节、1月6日三王节、复活节圣周、10月12日国庆节。",
            "language_tips": "你好：Hola；谢谢：Gracias；请：Por favor。",
            "embassy_address": "北京市朝阳区三里屯路9号",
        },
        "en": {
            "greetings": "Handshake; friends kiss on both cheeks. Use Señor / Señora with the family name.",
            "name_order": "Given name, then two family names: the father's first, the mother's second (Lucía GARCÍA LÓPEZ); address people by the first family name.",
            "religion_diet": "Catholic tradition. Late meals: lunch around 14:00, dinner after 21:00.",
            "gestures_taboos": "Standing close while talking is normal. Avoid criticising bullfighting or regional questions such as Catalonia.",
            "holidays": "Christmas, Epiphany (6 January), Holy Week, National Day (12 October).",
            "language_tips": "Hello: Hola; thank you: Gracias; please: Por favor.",
            "embassy_address": "9 Sanlitun Road, Chaoyang District, Beijing",
        },
    }),
    ("DE", "德国", "Germany", "", {
        "zh-hans": {
            "greetings": "握手有力并注视对方。称呼用 Herr / Frau 加姓，除非对方提出，不直呼名字；有博士头衔者常称 Dr.。",
            "name_order": "名在前、姓在后。",
            "religion_diet": "基督教（新教、天主教）为主，也有穆斯林。素食者较多，可事先询问。",
            "gestures_taboos": "非常重视守时和事先约定；沟通直接，属正常。不要开纳粹相关玩笑。",
            "holidays": "圣诞节（及降临节）、复活节、10月3日德国统一日。",
            "language_tips": "你好：Guten Tag；谢谢：Danke；请：Bitte。",
            "embassy_address": "北京市朝阳区东直门外大街17号",
        },
        "en": {
            "greetings": "A firm handshake with eye contact. Use Herr / Frau with the family name until invited otherwise; Dr. where it applies.",
            "name_order": "Given name first, family name last.",
            "religion_diet": "Protestant and Catholic, also Muslims. Many vegetarians: ask in advance.",
            "gestures_taboos": "Punctuality and appointments matter; directness is normal. No jokes about the Nazi era.",
            "holidays": "Christmas (and Advent), Easter, German Unity Day (3 October).",
            "language_tips": "Hello: Guten Tag; thank you: Danke; please: Bitte.",
            "embassy_address": "17 Dongzhimenwai Dajie, Chaoyang District, Beijing",
        },
    }),
    ("US", "美国", "United States", "+86 10 8531 3000", {
        "zh-hans": {
            "greetings": "握手并微笑；很快会互称名字，工作人员可先用 Mr. / Ms. 加姓。",
            "name_order": "名在前、中间名、姓在后（James Robert SMITH）。",
            "religion_diet": "宗教多样。素食、过敏（花生、麸质等）常见，用餐前请询问。",
            "gestures_taboos": "重视个人空间和隐私；不要询问年龄、收入、体重。",
            "holidays": "7月4日独立日、11月第四个星期四感恩节、圣诞节。",
            "language_tips": "使用简单、清楚的英语；确认理解时请对方复述要点。",
            "embassy_address": "北京市朝阳区安家楼路55号",
        },
        "en": {
            "greetings": "Handshake and a smile; first names come quickly, staff may start with Mr. / Ms. and the family name.",
            "name_order": "Given name, middle name, family name (James Robert SMITH).",
            "religion_diet": "Many religions. Vegetarian diets and allergies (peanuts, gluten) are common: ask before serving food.",
            "gestures_taboos": "Personal space and privacy matter; do not ask about age, income or weight.",
            "holidays": "Independence Day (4 July), Thanksgiving (fourth Thursday of November), Christmas.",
            "language_tips": "Use plain, clear English; ask the guest to repeat the key points to confirm.",
            "embassy_address": "55 Anjialou Road, Chaoyang District, Beijing",
        },
    }),
    ("GB", "英国", "United Kingdom", "+86 10 5192 4000", {
        "zh-hans": {
            "greetings": "握手；称呼用 Mr / Mrs / Ms 加姓。说话含蓄、礼貌。",
            "name_order": "名在前、姓在后。",
            "religion_diet": "基督教（英国国教）为主，宗教多样。喜欢喝茶；素食者较多。",
            "gestures_taboos": "重视排队和“please / thank you / sorry”；不宜打听私事。",
            "holidays": "圣诞节、12月26日节礼日、复活节、公共假日（Bank Holidays）。",
            "language_tips": "你好：Hello；谢谢：Thank you。注意英式英语用词（lift 电梯、flat 公寓）。",
            "embassy_address": "北京市朝阳区光华路11号",
        },
        "en": {
            "greetings": "Handshake; Mr / Mrs / Ms with the family name. Politeness and understatement are the norm.",
            "name_order": "Given name first, family name last.",
            "religion_diet": "Church of England and many other faiths. Tea matters; many vegetarians.",
            "gestures_taboos": "Queueing and 'please / thank you / sorry' are valued; avoid personal questions.",
            "holidays": "Christmas, Boxing Day (26 December), Easter, bank holidays.",
            "language_tips": "Mind British words: lift (elevator), flat (apartment).",
            "embassy_address": "11 Guanghua Road, Chaoyang District, Beijing",
        },
    }),
    ("RU", "俄罗斯", "Russia", "", {
        "zh-hans": {
            "greetings": "男性之间握手有力，握手时摘下手套；不要隔着门槛握手。正式称呼用名加父称（如 Иван Петрович）。",
            "name_order": "名、父称、姓（Ivan Petrovich IVANOV）；护照拉丁字母按国际民航组织规则转写。",
            "religion_diet": "东正教为主，也有穆斯林。常喝茶、喝汤、吃面包；复活节前可能斋戒。",
            "gestures_taboos": "送花送单数，双数花束用于葬礼。不要在室内吹口哨。",
            "holidays": "新年（1月1日起假期）、1月7日东正教圣诞节、3月8日妇女节、5月9日胜利日。",
            "language_tips": "你好：Здравствуйте（zdravstvuyte）；谢谢：Спасибо（spasibo）。",
            "embassy_address": "北京市东城区东直门北中街4号",
        },
        "en": {
            "greetings": "Men shake hands firmly with gloves off; never shake hands across a threshold. Formally, use the given name with the patronymic (Ivan Petrovich).",
            "name_order": "Given name, patronymic, family name (Ivan Petrovich IVANOV); passports transliterate by ICAO rules.",
            "religion_diet": "Orthodox Christian, also Muslims. Tea, soup and bread; some fast before Easter.",
            "gestures_taboos": "Give odd numbers of flowers; even numbers are for funerals. Do not whistle indoors.",
            "holidays": "New Year (holidays from 1 January), Orthodox Christmas (7 January), Women's Day (8 March), Victory Day (9 May).",
            "language_tips": "Hello: zdravstvuyte; thank you: spasibo.",
            "embassy_address": "4 Dongzhimen Beizhongjie, Dongcheng District, Beijing",
        },
    }),
    ("CH", "瑞士", "Switzerland", "", {
        "zh-hans": {
            "greetings": "握手并注视对方；称呼用“先生/女士”加姓（Herr/Frau、Monsieur/Madame）。",
            "name_order": "名在前、姓在后。",
            "religion_diet": "天主教和新教为主。饮食有奶酪、巧克力等；素食者较多。",
            "gestures_taboos": "非常守时，重视安静和隐私；不宜询问收入和财产。",
            "holidays": "8月1日国庆节、圣诞节、复活节。",
            "language_tips": "官方语言有德语、法语、意大利语和罗曼什语：先问对方讲哪种语言，多数人也能讲英语。",
            "embassy_address": "北京市朝阳区三里屯东五街3号",
        },
        "en": {
            "greetings": "Handshake with eye contact; use Herr / Frau or Monsieur / Madame with the family name.",
            "name_order": "Given name first, family name last.",
            "religion_diet": "Catholic and Protestant. Cheese and chocolate; many vegetarians.",
            "gestures_taboos": "Very punctual; quiet and privacy are valued; do not ask about income or wealth.",
            "holidays": "Swiss National Day (1 August), Christmas, Easter.",
            "language_tips": "German, French, Italian and Romansh are official: ask which language the guest prefers; most also speak English.",
            "embassy_address": "3 Sanlitun Dongwujie, Chaoyang District, Beijing",
        },
    }),
]

# Synthetic demo policies (not real documents): codes start with "demo-".
POLICIES = [
    ("demo-arrival-observation-v1", "2020-03-16", "demo: district prevention office", {
        "zh-hans": {"title": "（演示）入境人员集中观察规定",
                    "summary": "自境外入京人员一律集中观察14天。",
                    "full_text": "本文为演示数据。所有自境外入京人员在分流点登记后转运至集中观察酒店，观察期14天，期间每日两次测量体温。"},
        "en": {"title": "(demo) Centralised observation of arrivals",
               "summary": "Everyone arriving from abroad is observed for 14 days in a hotel.",
               "full_text": "Demo data. Everyone arriving in Beijing from abroad is registered at the transfer point and taken to an observation hotel for 14 days, with two temperature checks a day."},
    }),
    ("demo-arrival-observation-v2", "2020-04-01", "demo: district prevention office", {
        "zh-hans": {"title": "（演示）入境人员观察规定（修订）",
                    "summary": "符合条件者可居家观察，其余集中观察14天。",
                    "full_text": "本文为演示数据。有固定住所且同住人同意者可居家观察，由社区每日随访；其余人员集中观察14天。"},
        "en": {"title": "(demo) Observation of arrivals (revised)",
               "summary": "Home observation where conditions are met; otherwise 14 days in a hotel.",
               "full_text": "Demo data. People with a fixed home whose household agrees may be observed at home with a daily community visit; everyone else is observed in a hotel for 14 days."},
    }),
    ("demo-hotel-meals", "2020-03-20", "demo: district foreign affairs office", {
        "zh-hans": {"title": "（演示）观察酒店餐食安排",
                    "summary": "提供清真、素食和儿童餐食选择。",
                    "full_text": "本文为演示数据。观察酒店应询问客人的饮食禁忌，提供清真餐、素食和儿童餐；斋月期间为穆斯林客人在日出前和日落后送餐。"},
        "en": {"title": "(demo) Meals in observation hotels",
               "summary": "Halal, vegetarian and children's meals are offered.",
               "full_text": "Demo data. Observation hotels ask guests about dietary rules and offer halal, vegetarian and children's meals; during Ramadan Muslim guests are served before dawn and after sunset."},
    }),
]

FAQ = [
    {"zh-hans": {"question": "观察期间客人可以点外卖吗？",
                 "answer": "（演示）可以。外卖放在酒店前台，由工作人员消毒后送到房门口。"},
     "en": {"question": "May guests order takeaway food during observation?",
            "answer": "(demo) Yes. Deliveries are left at the front desk; staff disinfect them and bring them to the room door."}},
    {"zh-hans": {"question": "客人要求提前结束观察怎么办？",
                 "answer": "（演示）耐心说明规定，不得提前结束；如有特殊情况，请在问答台提问并注明“紧急”。"},
     "en": {"question": "A guest asks to end observation early. What do we do?",
            "answer": "(demo) Explain the rules patiently: observation cannot end early. For special cases ask the question desk and mark it urgent."}},
]
