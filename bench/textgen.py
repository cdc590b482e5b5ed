"""Vietnamese-looking titles and bodies for the benchmark data, drawn from a fixed pool so runs are repeatable.

Bodies are 3 paragraphs of about 1 KB of UTF-8, like the sample campaign (~1 KB per post), because row size
decides how much a full table scan (the baseline) has to read.
"""
from __future__ import annotations

import random

TOPICS = (
    "học tập suốt đời", "chuyển đổi số", "khoa học và công nghệ", "sở hữu trí tuệ", "tiêu chuẩn đo lường chất lượng",
    "an toàn bức xạ", "khởi nghiệp đổi mới sáng tạo", "văn hóa đọc", "phòng chống thiên tai", "cải cách hành chính",
    "an toàn thông tin", "nông nghiệp công nghệ cao", "bảo vệ môi trường", "dịch vụ công trực tuyến",
)
ACTIONS = (
    "Hưởng ứng", "Tuyên truyền về", "Hội nghị triển khai", "Tập huấn", "Kết quả thực hiện", "Phát động phong trào",
    "Tọa đàm", "Hướng dẫn người dân về", "Sơ kết công tác", "Cuộc thi tìm hiểu",
)
SENTENCES = (
    "Sở Khoa học và Công nghệ thành phố Cần Thơ tổ chức các hoạt động thiết thực nhằm nâng cao nhận thức của "
    "công chức, viên chức, người lao động và người dân.",
    "Thủ trưởng các Phòng, đơn vị triển khai Kế hoạch đến công chức, viên chức và người lao động; báo cáo kết quả "
    "thực hiện về Văn phòng Sở theo quy định.",
    "Nội dung trọng tâm gồm: đẩy mạnh, đổi mới hoạt động thông tin, tuyên truyền trên cổng thông tin điện tử và "
    "mạng xã hội; treo băng rôn, khẩu hiệu tại cơ quan, đơn vị.",
    "Đây là dịp để mỗi người nhìn lại thói quen học tập của bản thân, từ đó chủ động học thường xuyên, liên tục.",
    "Người dân có thể tra cứu thông tin chi tiết trên Cổng thông tin điện tử của Sở hoặc liên hệ bộ phận một cửa.",
    "Trung tâm Thông tin khoa học và công nghệ thực hiện tuyên truyền, cập nhật tin bài trong suốt thời gian diễn "
    "ra chương trình.",
    "Các đơn vị bố trí thời gian, nhân lực phù hợp, bảo đảm hoạt động diễn ra an toàn, tiết kiệm và hiệu quả.",
)


def title(rng: random.Random) -> str:
    return f"{rng.choice(ACTIONS)} {rng.choice(TOPICS)} năm {rng.randint(2022, 2032)}"


def body(rng: random.Random) -> str:
    paragraphs = [" ".join(rng.sample(SENTENCES, rng.randint(1, 3))) for _ in range(3)]
    return "\n\n".join(paragraphs)


def pool(rng: random.Random, size: int) -> tuple[list[str], list[str]]:
    """``size`` titles and bodies to pick from: generating a million unique ~1 KB bodies would dominate the build."""
    return [title(rng) for _ in range(size)], [body(rng) for _ in range(size)]
