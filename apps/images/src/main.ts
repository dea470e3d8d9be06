import { imagesService } from '@cairn/images';
import { runService } from '@cairn/service-kit';

void runService(imagesService);
